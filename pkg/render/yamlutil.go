package render

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
)

var lineRE = regexp.MustCompile(`line (\d+)`)

// yamlErrLine extracts the 1-based line from a YAML error, relative to the document, as an offset
// (line - 1), or 0.
func yamlErrLine(err error) int {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		if n, e := strconv.Atoi(m[1]); e == nil && n > 0 {
			return n - 1
		}
	}
	return 0
}

func bufioReader(data []byte) *bufio.Reader {
	return bufio.NewReader(bytes.NewReader(data))
}
