// Command go-peer-client walks through the client side of "gRPC: Up and
// Running" (chapters 3 to 5) with grpc-go against an ecommerce.OrderManagement
// and helloworld.Greeter server: an independent client for Switchboard's
// server tests.
//
//	go-peer-client --target 127.0.0.1:50051 [--slow-target 127.0.0.1:50052] [--ca ca.pem [--cert c.pem --key c.key]]
//
// Prints one JSON object a line, one per step: {"step": NAME, "code": CODE, ...}
// with what came back (CODE is grpc-go's name for the status, "OK" on
// success). It judges nothing: the tests do. Exits 0 once every step ran.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/golang/protobuf/ptypes/wrappers"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "switchboard/gopeer/ecommerce"
	hw "switchboard/gopeer/helloworld"
)

var out = json.NewEncoder(os.Stdout)

// report prints one step: its name, the status code of err and the fields.
func report(step string, err error, fields map[string]interface{}) {
	line := map[string]interface{}{"step": step, "code": status.Code(err).String()}
	if err != nil {
		line["message"] = status.Convert(err).Message()
	}
	for k, v := range fields {
		line[k] = v
	}
	_ = out.Encode(line)
}

// mdJSON is metadata as a map of lists; -bin values as hex.
func mdJSON(md metadata.MD) map[string][]string {
	m := map[string][]string{}
	for k, vs := range md {
		for _, v := range vs {
			if len(k) > 4 && k[len(k)-4:] == "-bin" {
				v = hex.EncodeToString([]byte(v))
			}
			m[k] = append(m[k], v)
		}
	}
	return m
}

func ids(orders []*pb.Order) []string {
	list := []string{}
	for _, o := range orders {
		list = append(list, o.Id)
	}
	return list
}

// tlsConfig trusts the CA in caFile and, when certFile is set, presents that client certificate.
func tlsConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	config := &tls.Config{RootCAs: roots}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}

func main() {
	target := flag.String("target", "127.0.0.1:50051", "orders and greeter server")
	slowTarget := flag.String("slow-target", "", "a server whose addOrder takes more than 2 s (step skipped when empty)")
	caFile := flag.String("ca", "", "TLS: PEM certificates the server's must chain to (plaintext when empty)")
	certFile := flag.String("cert", "", "TLS: PEM client certificate, with --key")
	keyFile := flag.String("key", "", "TLS: PEM private key of --cert")
	flag.Parse()

	security := grpc.WithInsecure()
	if *caFile != "" {
		config, err := tlsConfig(*caFile, *certFile, *keyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		security = grpc.WithTransportCredentials(credentials.NewTLS(config))
	}
	conn, err := grpc.Dial(*target, security, grpc.WithDefaultCallOptions(grpc.UseCompressor(gzip.Name)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	orders := pb.NewOrderManagementClient(conn)
	greeter := hw.NewGreeterClient(conn) // the same connection
	timeout := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 5*time.Second)
	}

	{ // addOrder with metadata (text and -bin), reading the headers and trailers
		ctx, cancel := timeout()
		ctx = metadata.AppendToOutgoingContext(ctx, "x-client", "go-walkthrough", "x-request-id-bin", string([]byte{0xca, 0xfe, 0x01}))
		var header, trailer metadata.MD
		reply, err := orders.AddOrder(ctx, &pb.Order{Id: "101", Items: []string{"iPhone XS", "Mac Book Pro"}, Destination: "San Jose, CA", Price: 2300}, grpc.Header(&header), grpc.Trailer(&trailer))
		cancel()
		report("addOrder", err, map[string]interface{}{"reply": reply.GetValue(), "headers": mdJSON(header), "trailers": mdJSON(trailer)})
	}
	{ // getOrder
		ctx, cancel := timeout()
		order, err := orders.GetOrder(ctx, &wrappers.StringValue{Value: "106"})
		cancel()
		report("getOrder", err, map[string]interface{}{"id": order.GetId(), "items": order.GetItems(), "price": order.GetPrice(), "destination": order.GetDestination()})
	}
	{ // searchOrders (server streaming)
		ctx, cancel := timeout()
		stream, err := orders.SearchOrders(ctx, &wrappers.StringValue{Value: "Google"})
		var found []*pb.Order
		for err == nil {
			var order *pb.Order
			if order, err = stream.Recv(); err == nil {
				found = append(found, order)
			}
		}
		cancel()
		if err == io.EOF {
			err = nil
		}
		report("searchOrders", err, map[string]interface{}{"ids": ids(found)})
	}
	{ // updateOrders (client streaming)
		ctx, cancel := timeout()
		stream, err := orders.UpdateOrders(ctx)
		for _, o := range []*pb.Order{
			{Id: "102", Items: []string{"Google Pixel 3A", "Google Pixel Book"}, Destination: "Mountain View, CA", Price: 1100},
			{Id: "103", Items: []string{"Apple Watch S4", "Mac Book Pro", "iPad Pro"}, Destination: "San Jose, CA", Price: 2800},
			{Id: "104", Items: []string{"Google Home Mini", "Google Nest Hub", "iPad Mini"}, Destination: "Mountain View, CA", Price: 2200},
		} {
			if err == nil {
				err = stream.Send(o)
			}
		}
		var reply *wrappers.StringValue
		if err == nil {
			reply, err = stream.CloseAndRecv()
		}
		cancel()
		report("updateOrders", err, map[string]interface{}{"reply": reply.GetValue()})
	}
	{ // processOrders (bidi streaming): shipments after every 3 ids and at the half-close
		ctx, cancel := timeout()
		stream, err := orders.ProcessOrders(ctx)
		for _, id := range []string{"102", "103", "104", "101"} {
			if err == nil {
				err = stream.Send(&wrappers.StringValue{Value: id})
			}
		}
		if err == nil {
			err = stream.CloseSend()
		}
		shipments := [][]string{}
		for err == nil {
			var s *pb.CombinedShipment
			if s, err = stream.Recv(); err == nil {
				shipments = append(shipments, append([]string{s.Id, s.Status}, ids(s.OrdersList)...))
			}
		}
		cancel()
		if err == io.EOF {
			err = nil
		}
		report("processOrders", err, map[string]interface{}{"shipments": shipments})
	}
	{ // processOrders cancelled after the first shipment
		ctx, cancel := context.WithCancel(context.Background())
		stream, err := orders.ProcessOrders(ctx)
		for _, id := range []string{"102", "103", "104", "105", "106"} {
			if err == nil {
				err = stream.Send(&wrappers.StringValue{Value: id})
			}
		}
		received := 0
		for err == nil {
			if _, err = stream.Recv(); err == nil {
				received++
				cancel()
			}
		}
		cancel()
		report("processOrdersCancelled", err, map[string]interface{}{"received": received})
	}
	{ // INVALID_ARGUMENT with its BadRequest detail
		ctx, cancel := timeout()
		_, err := orders.AddOrder(ctx, &pb.Order{Id: "-1", Description: "no such order"})
		cancel()
		violations := [][]string{}
		for _, detail := range status.Convert(err).Details() {
			if br, ok := detail.(*errdetails.BadRequest); ok {
				for _, v := range br.FieldViolations {
					violations = append(violations, []string{v.Field, v.Description})
				}
			}
		}
		report("invalidOrder", err, map[string]interface{}{"violations": violations})
	}
	{ // Greeter over the same connection
		ctx, cancel := timeout()
		reply, err := greeter.SayHello(ctx, &hw.HelloRequest{Name: "gRPC Up and Running"})
		cancel()
		report("sayHello", err, map[string]interface{}{"reply": reply.GetMessage()})
	}
	if *slowTarget != "" { // a 2 s deadline against a slow server
		slow, err := grpc.Dial(*slowTarget, grpc.WithInsecure())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		started := time.Now()
		_, err = pb.NewOrderManagementClient(slow).AddOrder(ctx, &pb.Order{Id: "110", Items: []string{"Slow Lamp"}})
		cancel()
		report("deadline", err, map[string]interface{}{"ms": time.Since(started).Milliseconds()})
		slow.Close()
	}
}
