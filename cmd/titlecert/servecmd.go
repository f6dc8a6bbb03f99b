package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/server"
)

type serveOptions struct {
	unlockOptions
	addr, tlsCert, tlsKey string
	trustProxy            bool
	decodeMemoryMiB       int64            // 0: server.DefaultDecodeMemory
	fallback              bool             // demo: another free port if --addr is taken
	ready                 func(url string) // called once listening (demo, tests)
}

func newServeCmd() *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve --data DIR [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE]",
		Short: "Run the verification server: the QR page, look-up, API, status lists, downloads",
		Long: `Run the verification server for the issuer in --data: the page a phone opens from
a certificate's QR code, the look-up and upload forms, the JSON API, the
published keys, status lists and directory, citizens' downloads and the
issuer's administration API (tokens from "titlecert token create").
The key passphrase is needed: the server signs the status lists.
It stops cleanly on SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if m := o.decodeMemoryMiB; m < 64 || m > 1<<20 {
				return usagef("--decode-memory %d: give the MiB uploads may take while decoded, from 64 to 1048576 (default %d)", m, server.DefaultDecodeMemory>>20)
			}
			return runServe(cmd, o)
		},
	}
	f := c.Flags()
	o.unlockOptions.addFlags(c, "")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate (PEM); with --tls-key, serve HTTPS")
	f.StringVar(&o.tlsKey, "tls-key", "", "TLS private key (PEM)")
	f.Int64Var(&o.decodeMemoryMiB, "decode-memory", server.DefaultDecodeMemory>>20, "MiB of memory the uploads being decoded may take at once (a 40-megapixel photo takes about 800)")
	f.BoolVar(&o.trustProxy, "trust-proxy", false, "take client addresses from X-Forwarded-For (only behind a reverse proxy you run)")
	return c
}

func runServe(cmd *cobra.Command, o *serveOptions) error {
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	d, secrets, st, err := unlockData(o.data, o.passphraseFile)
	if err != nil {
		return err
	}
	jwks, err := publicJWKS(d)
	if err != nil {
		st.Close()
		return err
	}
	defer st.Close()
	renderer, err := pdf.NewRenderer()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
	srv, err := server.New(server.Config{
		Issuer: d.Config.Issuer(), Trust: d.PublicSet, JWKS: jwks, Directory: d.Directory,
		SigningKey: secrets.SigningKey, Logger: logger, TrustProxyHeaders: o.trustProxy,
		HolderHash: secrets.HolderHash, DecodeMemory: o.decodeMemoryMiB << 20,
	}, st, renderer)
	if err != nil {
		return err
	}
	// Close runs after the HTTP server has stopped, on every path, and
	// before the store closes (deferred earlier, so it runs later): it
	// writes the queued holder-log entries.
	defer func() {
		if cerr := srv.Close(); cerr != nil {
			logger.Error("closing the server", "err", cerr.Error())
		}
	}()
	hs := srv.HTTPServer(o.addr)
	if o.tlsCert != "" {
		// Load the pair now, so that a bad file is a clear error before
		// anything listens.
		pair, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return usagef("--tls-cert/--tls-key: %v", err)
		}
		if hs.TLSConfig == nil {
			hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		hs.TLSConfig.Certificates = []tls.Certificate{pair}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil && o.fallback {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return usagef("--addr: %v", err)
	}
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	local := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", d.Config.IssuerID, "tls", o.tlsCert != "")
	fmt.Fprintf(cmd.OutOrStdout(), "serving %s (%s) at %s — stop with Ctrl-C\n", d.Config.IssuerName, d.Config.IssuerID, local)
	if o.ready != nil {
		o.ready(local)
	}
	errc := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-cmd.Context().Done():
	}
	logger.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		hs.Close() // requests still running after 15 s are cut off
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
