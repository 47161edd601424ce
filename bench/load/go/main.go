// The Go peer of `make bench-load`: net/http + client_golang serving what Glassbox serves
// for the benchmark (GET /health, GET /api/users/{id}, GET /metrics), instrumented the way
// a Go service usually is: one middleware that counts the request, observes its duration
// and writes one JSON access-log line to a file through a buffered writer.
//
// Usage: go-peer -addr 127.0.0.1:PORT -log FILE
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The same names, labels and buckets as Glassbox's (CONTRACT.md, "Metrics").
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests answered.",
	}, []string{"method", "route", "status"})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time from the first byte of a request to the last byte of its response.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
)

type user struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Email     string  `json:"email"`
	CreatedAt string  `json:"created_at"`
	ExpiresAt *string `json:"expires_at"`
}

// userStore stands in for Glassbox's cache: the benchmark reads one user that is in memory.
type userStore struct {
	mu    sync.RWMutex
	users map[int64]user
}

func (s *userStore) get(id int64) (user, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	found, ok := s.users[id]
	return found, ok
}

// accessLogEntry carries the fields of Glassbox's "Request completed" record.
type accessLogEntry struct {
	Timestamp     string  `json:"timestamp"`
	Level         string  `json:"level"`
	Service       string  `json:"service"`
	Logger        string  `json:"logger"`
	Message       string  `json:"message"`
	Method        string  `json:"method"`
	Endpoint      string  `json:"endpoint"`
	Route         string  `json:"route"`
	StatusCode    int     `json:"status_code"`
	DurationMs    float64 `json:"duration_ms"`
	ClientAddress string  `json:"client_address"`
	UserAgent     string  `json:"user_agent"`
	ResponseSize  int     `json:"response_size"`
}

// accessLog writes one JSON line per request into a buffer that is flushed every second
// and on shutdown.
type accessLog struct {
	mu     sync.Mutex
	file   *os.File
	writer *bufio.Writer
}

func openAccessLog(path string) (*accessLog, error) {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &accessLog{file: file, writer: bufio.NewWriterSize(file, 64*1024)}, nil
}

func (l *accessLog) write(entry *accessLogEntry) {
	line, err := json.Marshal(entry)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.writer.Write(line)
	l.writer.WriteByte('\n')
	l.mu.Unlock()
}

func (l *accessLog) flush() {
	l.mu.Lock()
	l.writer.Flush()
	l.mu.Unlock()
}

type recordingWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *recordingWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(body []byte) (int, error) {
	n, err := w.ResponseWriter.Write(body)
	w.size += n
	return n, err
}

func levelFor(status int) string {
	switch {
	case status >= 500:
		return "ERROR"
	case status >= 400:
		return "WARN"
	}
	return "INFO"
}

func clientAddress(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i >= 0 {
		return remote[:i]
	}
	return remote
}

// instrument is the middleware: metrics and the access-log line for one route.
func instrument(logs *accessLog, route string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		recorder := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		next(recorder, r)
		elapsed := time.Since(started)
		requestsTotal.WithLabelValues(r.Method, route, strconv.Itoa(recorder.status)).Inc()
		requestDuration.WithLabelValues(r.Method, route).Observe(elapsed.Seconds())
		logs.write(&accessLogEntry{
			Timestamp:     time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00"),
			Level:         levelFor(recorder.status),
			Service:       "go-peer",
			Logger:        "http.access",
			Message:       "Request completed",
			Method:        r.Method,
			Endpoint:      r.URL.Path,
			Route:         route,
			StatusCode:    recorder.status,
			DurationMs:    float64(elapsed.Microseconds()) / 1000,
			ClientAddress: clientAddress(r.RemoteAddr),
			UserAgent:     r.UserAgent(),
			ResponseSize:  recorder.size,
		})
	})
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	body, err := json.Marshal(value)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{
		"error": map[string]string{"code": "not_found", "message": "no such resource"}})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	logPath := flag.String("log", "go-peer-access.log", "access-log file")
	flag.Parse()

	prometheus.MustRegister(requestsTotal, requestDuration)
	logs, err := openAccessLog(*logPath)
	if err != nil {
		log.Fatal(err)
	}
	store := &userStore{users: map[int64]user{
		1: {ID: 1, Name: "Ada", Email: "ada@example.com", CreatedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")},
	}}

	mux := http.NewServeMux()
	mux.Handle("/health", instrument(logs, "/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	mux.Handle("/api/users/", instrument(logs, "/api/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/api/users/"), 10, 64)
		if err != nil {
			notFound(w)
			return
		}
		found, ok := store.get(id)
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, found)
	}))
	metrics := promhttp.Handler()
	mux.Handle("/metrics", instrument(logs, "/metrics", metrics.ServeHTTP))
	mux.Handle("/", instrument(logs, "unmatched", func(w http.ResponseWriter, r *http.Request) { notFound(w) }))

	server := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		for range time.Tick(time.Second) {
			logs.flush()
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		server.Shutdown(ctx)
	}()
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
	logs.flush()
}
