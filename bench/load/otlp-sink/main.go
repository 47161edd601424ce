// The OTLP/HTTP receiver of `make bench-load`: answers 200 to every POST /v1/traces after
// reading its body, and counts requests and bytes (GET /stats). It decodes nothing, so that
// the exporter, not the receiver, sets the pace.
//
// Usage: otlp-sink -addr 127.0.0.1:PORT
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4318", "listen address")
	flag.Parse()
	var requests, bytes atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		n, _ := io.Copy(io.Discard, r.Body)
		requests.Add(1)
		bytes.Add(n)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"requests":%d,"bytes":%d}`, requests.Load(), bytes.Load())
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
