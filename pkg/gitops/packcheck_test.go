package gitops

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/test/framework"
	"github.com/fleetapi/fleet/test/gitserver"
)

// TestCloneOfAHugeObjectStops: a commit with a 200 MiB file (a pack of 200 KiB: it compresses)
// stops the clone at the object's header with RepositoryTooLarge naming its size and the budget,
// before go-git reads it into memory, and leaves nothing behind. A 90 MiB file, under the budget,
// is cloned holding it in memory once (go-git's indexer), not seven times as before.
func TestCloneOfAHugeObjectStops(t *testing.T) {
	srv := gitserver.NewHTTP(t)
	huge := srv.NewRepo(t, "huge")
	hugeCommit := huge.Commit("huge", map[string]string{"cm.yaml": configMap, "big.bin": strings.Repeat("x", 200<<20)})
	large := srv.NewRepo(t, "large")
	largeCommit := large.Commit("large", map[string]string{"cm.yaml": configMap, "big.bin": strings.Repeat("x", 90<<20)})

	wantRefusedClone(t, huge.URL, hugeCommit, "git object of 200 MiB, over the budget of 100 MiB", 32<<20)

	var dir string
	var err error
	alloc := framework.Allocated(func() {
		dir, _, err = checkout(context.Background(), t.TempDir(), large.URL, Credentials{}, target{ref: "refs/heads/main", commit: largeCommit})
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "big.bin")); err != nil || st.Size() != 90<<20 {
		t.Fatalf("big.bin in the checkout: %v", err)
	}
	if alloc > 160<<20 {
		t.Errorf("cloning a 90 MiB file allocated %s", bundlereader.FormatSize(int64(alloc)))
	}
}

// wantRefusedClone checks that commit of the repository at url is refused with RepositoryTooLarge
// and a message holding want, on a branch (shallow) and as a bare commit id (full clone),
// allocating at most maxAlloc bytes and leaving nothing behind.
func wantRefusedClone(t *testing.T, url, commit, want string, maxAlloc uint64) {
	t.Helper()
	for name, tg := range map[string]target{"branch": {ref: "refs/heads/main", commit: commit}, "commit id": {commit: commit}} {
		tmp := t.TempDir()
		var err error
		alloc := framework.Allocated(func() { _, _, err = checkout(context.Background(), tmp, url, Credentials{}, tg) })
		if gitReason(err) != ReasonRepositoryTooLarge || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: err = %v, want %s saying %q", name, err, ReasonRepositoryTooLarge, want)
		}
		if alloc > maxAlloc {
			t.Errorf("%s: the refused clone allocated %s", name, bundlereader.FormatSize(int64(alloc)))
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("%s: the partial clone was left behind: %v", name, left)
		}
	}
}

// pack builds a version 2 pack of objects (each: type, declared size, zlib content).
func pack(t *testing.T, objects ...packObject) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("PACK")
	_ = binary.Write(&b, binary.BigEndian, uint32(2))
	_ = binary.Write(&b, binary.BigEndian, uint32(len(objects)))
	for _, o := range objects {
		size := o.size
		c := byte(o.typ<<4) | byte(size&0x0f)
		size >>= 4
		for size > 0 {
			b.WriteByte(c | 0x80)
			c = byte(size & 0x7f)
			size >>= 7
		}
		b.WriteByte(c)
		b.Write(o.ref)
		zw := zlib.NewWriter(&b)
		_, _ = zw.Write(o.data)
		_ = zw.Close()
	}
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

type packObject struct {
	typ  int
	size int64
	ref  []byte // a REF delta's base
	data []byte
}

// varint is git's delta size encoding.
func varint(n int64) []byte {
	var out []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

// feed writes p to a packCheck in chunks of n bytes, as go-git's copy does, and returns the first
// error.
func feed(p []byte, n int, limit int64) error {
	c := newPackCheck(limit, maxPackObjects)
	defer c.close()
	for len(p) > 0 {
		chunk := p[:min(n, len(p))]
		p = p[len(chunk):]
		if err := c.check(chunk); err != nil {
			return err
		}
	}
	return nil
}

// TestPackCheckReadsDeltaTargets: a small delta that would make a huge object from a small base
// is refused by the size of its result; objects under the budget pass, in chunks of any size.
func TestPackCheckReadsDeltaTargets(t *testing.T) {
	base := []byte("0123456789")
	baseHash := sha1.Sum(append([]byte("blob 10\x00"), base...))
	delta := func(target int64) packObject {
		data := append(varint(10), varint(target)...)
		data = append(data, 0x90, 10) // copy 10 bytes from offset 0 (never applied here)
		return packObject{typ: 7, size: int64(len(data)), ref: baseHash[:], data: data}
	}
	blob := packObject{typ: 3, size: 10, data: base}
	for _, chunk := range []int{1, 7, 4096, 1 << 20} {
		if err := feed(pack(t, blob, delta(1<<20)), chunk, 2<<20); err != nil {
			t.Fatalf("chunks of %d: a pack under the budget: %v", chunk, err)
		}
		err := feed(pack(t, blob, delta(3<<30)), chunk, 2<<20)
		if !errors.Is(err, errObjectTooLarge) || !strings.Contains(err.Error(), "git object of 3072 MiB") {
			t.Fatalf("chunks of %d: a delta making 3 GiB: err = %v", chunk, err)
		}
	}
	// A declared size is refused at the header: the content is never waited for.
	if err := feed(pack(t, packObject{typ: 3, size: 3 << 30, data: base}), 4096, 2<<20); !errors.Is(err, errObjectTooLarge) {
		t.Fatalf("a blob declared at 3 GiB: err = %v", err)
	}
}

// TestPackCheckStopsOnATruncatedPack: a pack that ends early (a clone that failed midway) lets the
// check stop, once or twice, without a Write waiting; it has nothing to say about it (go-git has).
func TestPackCheckStopsOnATruncatedPack(t *testing.T) {
	p := pack(t, packObject{typ: 3, size: 10, data: []byte("0123456789")}, packObject{typ: 3, size: 10, data: []byte("9876543210")})
	for _, cut := range []int{5, 20, len(p) - 21} {
		c := newPackCheck(1<<20, maxPackObjects)
		if err := c.check(p[:cut]); err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		c.close()
		c.close()
	}
}
