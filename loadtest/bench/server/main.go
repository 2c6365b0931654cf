// Command server is the trivial loopback target of loadtest/bench/run.sh:
// every request gets one fixed success envelope, so the load tools compared
// there measure themselves, not the target.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address (keep it on loopback)")
	flag.Parse()
	body := []byte(`{"code":"0000","msg":"success","data":{"sessions":[],"current_page":1,"page_size":20,"total_count":"0"},"success":true,"failed":false}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	log.Printf("trivial target on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}
