// Command metadata-client calls switchboard.test.Echo/Unary with one metadata
// value of each size given, then a small call on the same connection, and
// prints one JSON line per size with grpc-go's status codes.
//
//	metadata-client --target HOST:PORT --sizes 20000,60000,300000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// rawCodec sends and receives message bytes as they are: the test needs no generated code.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error)      { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error { *(v.(*[]byte)) = data; return nil }
func (rawCodec) Name() string                               { return "proto" }

type outcome struct {
	Code    string `json:"code"`
	Details string `json:"details"`
}

func call(conn *grpc.ClientConn, md metadata.MD) outcome {
	ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), md), 5*time.Second)
	defer cancel()
	in, out := []byte{}, []byte{}
	err := conn.Invoke(ctx, "/switchboard.test.Echo/Unary", &in, &out, grpc.ForceCodec(rawCodec{}))
	s := status.Convert(err)
	return outcome{Code: s.Code().String(), Details: s.Message()}
}

func main() {
	target := flag.String("target", "", "host:port")
	sizes := flag.String("sizes", "", "comma-separated value sizes")
	flag.Parse()
	conn, err := grpc.Dial(*target, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	call(conn, metadata.MD{}) // connected, SETTINGS exchanged
	for _, field := range strings.Split(*sizes, ",") {
		size, _ := strconv.Atoi(field)
		big := call(conn, metadata.Pairs("x-big", strings.Repeat("a", size)))
		after := call(conn, metadata.MD{})
		line, _ := json.Marshal(map[string]interface{}{"size": size, "big": big, "after": after})
		fmt.Println(string(line))
	}
}
