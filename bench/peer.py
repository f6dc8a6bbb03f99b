#!/usr/bin/env python3
"""The Python peer of `titlecert bench issue`: what a user would write with
reportlab, python-qrcode and PyJWT. It issues N bilingual one-page A4
certificates with the same CJK TrueType font (subset into each PDF by
reportlab), a QR code of the same text form (level M) and an Ed25519 (EdDSA)
compact JWS, writes the PDFs, and prints certificates per second. It does
not hash the ID number (compare with titlecert's rate excluding the hash)
and keeps no store.

Debian: apt-get install python3-reportlab python3-qrcode python3-jwt python3-cryptography
Run from the repository root:

    python3 bench/peer.py --n 200 --out /tmp/peer
"""
import argparse, base64, json, os, random, time, zlib

import jwt
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "cert/pdf/font/LXGWWenKai-Regular.ttf"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建文辉鑫宇浩欣"


def qr_text(base, token):
    return base.upper() + "/C/" + "".join("%02d" % (ord(c) - 45) for c in token)


def render(path, c, token, code):
    pdf = canvas.Canvas(path, pagesize=A4, invariant=1)
    w, h = A4
    pdf.setStrokeColorRGB(0.62, 0.11, 0.13)
    pdf.setLineWidth(4)
    pdf.rect(9 * mm, 9 * mm, w - 18 * mm, h - 18 * mm)
    pdf.setFillColorRGB(0.62, 0.11, 0.13)
    pdf.setFont("wenkai", 15)
    pdf.drawCentredString(w / 2, h - 29 * mm, "福建省人力资源和社会保障厅")
    pdf.setFont("wenkai", 27)
    pdf.drawCentredString(w / 2, h - 44 * mm, "专业技术职务任职资格证书")
    pdf.setFillColorRGB(0.4, 0.4, 0.4)
    pdf.setFont("wenkai", 13)
    pdf.drawCentredString(w / 2, h - 52 * mm, "Professional Title Certificate")
    y = h - 70 * mm
    rows = [("姓名", "Name", c["hn"]), ("身份证号", "ID No.", c["hid"]), ("资格名称", "Title", c["tn"]),
            ("系列", "Series", c["ser"]), ("专业", "Specialty", c["spe"]), ("级别", "Level", c["lvl"]),
            ("评审委员会", "Committee", c["cm"]), ("评审日期", "Review date", c["rd"]),
            ("文号", "Approval document", c["doc"]), ("证书编号", "Certificate No.", c["num"])]
    for zh, en, value in rows:
        pdf.setFillColorRGB(0.12, 0.12, 0.12)
        pdf.setFont("wenkai", 11)
        pdf.drawString(24 * mm, y, zh)
        pdf.setFont("wenkai", 7.5)
        pdf.drawString(24 * mm, y - 4 * mm, en)
        pdf.setFont("wenkai", 13)
        pdf.drawString(69 * mm, y, value)
        y -= 12 * mm
    # The QR code as vector rectangles, one per dark run, like titlecert.
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    q.add_data(code)
    q.make(fit=True)
    m = q.get_matrix()
    n = len(m)
    side = 50 * mm / n
    x0, y0 = w - 24 * mm - 50 * mm, 40 * mm
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(m):
        x = 0
        while x < n:
            if not row[x]:
                x += 1
                continue
            run = 1
            while x + run < n and row[x + run]:
                run += 1
            pdf.rect(x0 + x * side, y0 + (n - 1 - r) * side, run * side, side, stroke=0, fill=1)
            x += run
    pdf.setFont("wenkai", 11)
    pdf.drawCentredString(x0 + 25 * mm, y0 - 6 * mm, "扫码验证 Scan to verify")
    pdf.showPage()
    pdf.save()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--out", default="/tmp/titlecert-peer")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    pdfmetrics.registerFont(TTFont("wenkai", FONT))
    key = Ed25519PrivateKey.generate()
    rnd = random.Random(2026)
    start = time.perf_counter()
    for i in range(a.n):
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
        claims = {"v": 1, "iss": "fjhrss", "num": "2026%06d" % (i + 1), "iat": int(time.time()),
                  "jti": base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("="),
                  "hn": name, "hid": "3501**********0314", "ser": "工程技术", "spe": "建筑工程", "lvl": "中级",
                  "tn": "工程师", "cm": "福建省工程技术人才职称评审委员会", "rd": "2026-06-20",
                  "doc": "闽人社文〔2026〕12号", "rt": "regular", "emp": "福州市建筑设计院"}
        raw = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        payload = co.compress(raw) + co.flush()
        token = jwt.api_jws.PyJWS().encode(payload, key, algorithm="EdDSA",
                                           headers={"kid": "bench", "typ": "titlecert+jws"})
        render(os.path.join(a.out, claims["num"] + ".pdf"), claims, token, qr_text("https://verify.hrss.fj.gov.cn", token))
    el = time.perf_counter() - start
    print("issued %d certificates in %.2f s: %.1f certificates per second (one core)" % (a.n, el, a.n / el))


if __name__ == "__main__":
    main()
