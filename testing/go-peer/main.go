// Command go-peer is the independent gRPC peer as a server written with
// grpc-go: the same services and the same JSON-lines protocol as
// testing/peer/server.py (gRPC's C core), so Switchboard's client is tested
// against both.
//
//	go-peer [--services orders,greeter,lab] [--add-order-delay-ms N]
//
// Binds 127.0.0.1:0 and prints {"event": "listening", "port": N, ...} first,
// then one {"event": ...} line for each thing a test may need to see. Serves
// until SIGTERM, SIGINT or the end of stdin, then prints {"event": "stopped"}.
//
// Services:
//
//	orders   ecommerce.OrderManagement as "gRPC: Up and Running" writes it in Go
//	greeter  helloworld.Greeter/SayHello
//	lab      switchboard.lab.Lab: Forward as the LAST hop of a chain, Flaky
//
// Every method echoes request metadata whose key starts with "x-echo-" (text
// and -bin) as initial and as trailing metadata, and reports the call in a
// "call" event with its peer, metadata, deadline and request compression.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // gzip requests are read, and answered in gzip

	pb "switchboard/gopeer/ecommerce"
	hw "switchboard/gopeer/helloworld"
	lab "switchboard/gopeer/lab"
)

var stdout = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

// emit prints one JSON line; lines from concurrent handlers never interleave.
func emit(event string, fields map[string]interface{}) {
	line := map[string]interface{}{"event": event}
	for k, v := range fields {
		line[k] = v
	}
	stdout.Lock()
	defer stdout.Unlock()
	_ = stdout.enc.Encode(line)
}

var serviceNames = map[string]string{
	"orders":  "ecommerce.OrderManagement",
	"greeter": "helloworld.Greeter",
	"lab":     "switchboard.lab.Lab",
}

func main() {
	services := flag.String("services", "orders,greeter,lab", "comma-separated: orders, greeter, lab")
	delayMs := flag.Int("add-order-delay-ms", 0, "addOrder waits this long first")
	flag.Parse()

	server := grpc.NewServer(grpc.StatsHandler(compressionRecorder{}))
	var served []string
	for _, name := range strings.Split(*services, ",") {
		switch name = strings.TrimSpace(name); name {
		case "":
			continue
		case "orders":
			pb.RegisterOrderManagementServer(server, newOrderManagement(*delayMs))
		case "greeter":
			hw.RegisterGreeterServer(server, greeter{})
		case "lab":
			lab.RegisterLabServer(server, &labServer{attempts: map[string]int32{}})
		default:
			fmt.Fprintf(os.Stderr, "unknown service %q; known: orders, greeter, lab\n", name)
			os.Exit(2)
		}
		served = append(served, serviceNames[name])
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stop := make(chan struct{}, 3)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-signals; stop <- struct{}{} }()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); stop <- struct{}{} }() // the test closed stdin, or died
	go func() {
		if err := server.Serve(lis); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}()
	emit("listening", map[string]interface{}{"port": lis.Addr().(*net.TCPAddr).Port, "services": served, "pid": os.Getpid()})
	<-stop
	server.Stop()
	emit("stopped", nil)
}
