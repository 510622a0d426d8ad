package fleetcli

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

func bufioReader(data []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(data)) }

// parseKV parses "k=v" flags into a map.
func parseKV(flag string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s %q: expected key=value", flag, kv)
		}
		out[k] = v
	}
	return out, nil
}
