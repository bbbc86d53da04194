// Command standin stands in for the services the stripe-payment example's
// post-payment steps call: the orders service, the notification outbox and
// the inventory. It keeps everything in memory and prints each call.
//
//	go run ./examples/stripe-payment/standin [--addr 127.0.0.1:9100]
//
// POST /orders/paid        records an order as paid
// POST /notifications      queues a notification; GET lists the outbox
// POST /inventory/adjust   takes items out of stock; GET lists the stock
//
// It prints "standin listening on http://ADDR" first, so scripts can find a
// port chosen with --addr 127.0.0.1:0.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

type notification struct {
	ID       string          `json:"notification_id"`
	Template string          `json:"template"`
	To       string          `json:"to"`
	Data     json.RawMessage `json:"data"`
}

type item struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

type services struct {
	mu     sync.Mutex
	paid   map[string]json.RawMessage // order ID → the record
	outbox []notification
	stock  map[string]int64
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "address to listen on")
	flag.Parse()
	s := &services{paid: map[string]json.RawMessage{}, stock: map[string]int64{"tea-earl-grey": 100, "cup": 20}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders/paid", s.orderPaid)
	mux.HandleFunc("GET /orders/paid", s.list(func() any { return s.paid }))
	mux.HandleFunc("POST /notifications", s.notify)
	mux.HandleFunc("GET /notifications", s.list(func() any { return s.outbox }))
	mux.HandleFunc("POST /inventory/adjust", s.adjust)
	mux.HandleFunc("GET /inventory", s.list(func() any { return s.stock }))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("standin listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fail answers with an error paystep names the task's failure by.
func fail(w http.ResponseWriter, name, cause string) {
	reply(w, http.StatusBadRequest, map[string]string{"error": name, "cause": cause})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		fail(w, "Standin.BadRequest", err.Error())
		return false
	}
	return true
}

func (s *services) list(v func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		reply(w, http.StatusOK, v())
	}
}

func (s *services) orderPaid(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OrderID   string `json:"order_id"`
		PaymentID string `json:"payment_id"`
		Amount    int64  `json:"amount"`
		Currency  string `json:"currency"`
		Status    string `json:"status"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.OrderID == "" || in.PaymentID == "" {
		fail(w, "Orders.Invalid", "order_id and payment_id are required")
		return
	}
	rec, _ := json.Marshal(in)
	s.mu.Lock()
	s.paid[in.OrderID] = rec
	s.mu.Unlock()
	log.Printf("order %s paid: %d %s (payment %s)", in.OrderID, in.Amount, in.Currency, in.PaymentID)
	reply(w, http.StatusOK, map[string]any{"order_id": in.OrderID, "status": "paid"})
}

func (s *services) notify(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if !decode(w, r, &raw) {
		return
	}
	var in struct {
		Template string `json:"template"`
		To       string `json:"to"`
	}
	if err := json.Unmarshal(raw, &in); err != nil || in.Template == "" || in.To == "" {
		fail(w, "Notifications.Invalid", "template and to are required")
		return
	}
	s.mu.Lock()
	n := notification{ID: fmt.Sprintf("ntf_%d", len(s.outbox)+1), Template: in.Template, To: in.To, Data: raw}
	s.outbox = append(s.outbox, n)
	s.mu.Unlock()
	log.Printf("notification %s queued: %s to %s", n.ID, n.Template, n.To)
	reply(w, http.StatusOK, map[string]any{"notification_id": n.ID, "queued": true})
}

func (s *services) adjust(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OrderID string `json:"order_id"`
		Items   []item `json:"items"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range in.Items {
		if it.Quantity <= 0 || s.stock[it.SKU] < it.Quantity {
			fail(w, "Inventory.OutOfStock", fmt.Sprintf("%s: %d wanted, %d in stock", it.SKU, it.Quantity, s.stock[it.SKU]))
			return
		}
	}
	var out []map[string]any
	for _, it := range in.Items {
		s.stock[it.SKU] -= it.Quantity
		out = append(out, map[string]any{"sku": it.SKU, "taken": it.Quantity, "left": s.stock[it.SKU]})
	}
	log.Printf("inventory adjusted for order %s: %v", in.OrderID, out)
	reply(w, http.StatusOK, map[string]any{"order_id": in.OrderID, "adjusted": out})
}
