package main

import (
	"log/slog"
	"net"
	"net/http"
)

// extraServer is a second listener served by the same process.
type extraServer struct {
	server   *http.Server
	listener net.Listener
	banner   string
	close    func()
}

// startMemSync starts the MemSync mock on --memsync-addr.
func startMemSync(cfg Config, log *slog.Logger) ([]extraServer, error) {
	return nil, nil
}
