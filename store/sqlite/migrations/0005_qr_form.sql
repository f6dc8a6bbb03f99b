
ALTER TABLE certificates ADD COLUMN qr_form INTEGER NOT NULL DEFAULT 0 CHECK (qr_form BETWEEN 0 AND 255);
UPDATE certificates SET qr_form = 1;
