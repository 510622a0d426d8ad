package gitops

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"

	"github.com/fleetapi/fleet/pkg/bundlereader"
)

// maxObjectSize bounds one git object of a clone: go-git reads every object of a fetched pack
// into memory once while it indexes the pack (packfile.Parser.resolveDeltas), so the largest
// object is what a clone holds in memory at least, whatever the clone quota. GitHub refuses files
// over 100 MiB. A variable, so that tests can lower it.
var maxObjectSize int64 = 100 << 20

// maxPackObjects bounds the objects of one fetched pack, checked at its header: go-git's indexer
// keeps some 400 bytes for each while it indexes the pack (measured: 40 MiB at peak for 100,000),
// so 500,000 objects hold about 200 MiB. A shallow clone fetches the files and trees of one commit
// (at most maxCheckoutBytes/entryCost = 262,144 entries can be checked out); only a full clone, for
// a revision given as a bare commit id, fetches history, and one of a repository with more
// objects is refused (a branch or tag is cloned shallow). A variable, so that tests can lower it.
var maxPackObjects int64 = 500_000

// errObjectTooLarge is wrapped by the error of a pack holding an object over maxObjectSize,
// errTooManyObjects by that of a pack of more objects than maxPackObjects.
var (
	errObjectTooLarge = errors.New("git object too large")
	errTooManyObjects = errors.New("too many git objects")
)

// packCheck reads the pack that a clone writes, as it is written, and refuses it at the first
// object whose size (a delta's: the size of the object it makes) is over limit. It sees every
// byte before the file does: Write hands the bytes to a scanner running in its own goroutine and
// returns only once the scanner asks for more (it has read every object header they complete) or
// has failed, so go-git's indexer, which reads the file, never gets to an object that is too
// large. The scanner inflates each object to find where the next one starts, keeping none.
type packCheck struct {
	chunks    chan []byte
	more      chan struct{}
	done      chan struct{}
	err       error // set by the scanner before done is closed
	limit     int64
	objects   int64 // the most objects a pack may hold
	closeOnce sync.Once
}

func newPackCheck(limit, objects int64) *packCheck {
	c := &packCheck{chunks: make(chan []byte), more: make(chan struct{}), done: make(chan struct{}), limit: limit, objects: objects}
	go c.scan()
	return c
}

// check returns once the scanner consumed p, or failed; then the error of the pack, if any.
func (c *packCheck) check(p []byte) error {
	select {
	case c.chunks <- p:
	case <-c.done:
		return c.err
	}
	select {
	case <-c.more:
		return nil
	case <-c.done:
		return c.err
	}
}

// close stops the scanner; it may be called more than once.
func (c *packCheck) close() {
	c.closeOnce.Do(func() { close(c.chunks) })
	<-c.done
}

func (c *packCheck) scan() {
	defer close(c.done)
	r := &chunkReader{c: c}
	err := scanPack(packfile.NewScanner(r), c.limit, c.objects)
	if errors.Is(err, errObjectTooLarge) || errors.Is(err, errTooManyObjects) {
		c.err = err
		return
	}
	// The whole pack is checked (what follows is its checksum), or the scanner does not understand
	// it, which is go-git's to report: hand back the chunk being read and read on without checking.
	if r.pending {
		c.more <- struct{}{} // its Write waits for this
	}
	for range c.chunks {
		c.more <- struct{}{}
	}
}

// chunkReader feeds the scanner what Write hands over, telling Write when a chunk is used up.
type chunkReader struct {
	c   *packCheck
	cur []byte
	// pending: the Write of the chunk being read waits for it to be used up.
	pending bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.pending {
			r.c.more <- struct{}{}
			r.pending = false
		}
		chunk, ok := <-r.c.chunks
		if !ok {
			return 0, io.EOF
		}
		r.cur, r.pending = chunk, true
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// scanPack reads the objects of a pack and fails at the first one over limit, or at the header
// when it holds more than maxObjects.
func scanPack(s *packfile.Scanner, limit, maxObjects int64) error {
	_, objects, err := s.Header()
	if err != nil {
		return err
	}
	if int64(objects) > maxObjects {
		return fmt.Errorf("%w: the commit's pack holds %d git objects, over the budget of %d objects for one clone",
			errTooManyObjects, objects, maxObjects)
	}
	for range objects {
		oh, err := s.NextObjectHeader()
		if err != nil {
			return err
		}
		size := oh.Length
		if oh.Type == plumbing.OFSDeltaObject || oh.Type == plumbing.REFDeltaObject {
			head := &deltaHead{}
			if _, _, err := s.NextObject(head); err != nil {
				return err
			}
			size = head.targetSize()
		} else if size <= limit {
			if _, _, err := s.NextObject(io.Discard); err != nil {
				return err
			}
		}
		if size > limit {
			return fmt.Errorf("%w: the commit holds a git object of %s, over the budget of %s for one object of a clone",
				errObjectTooLarge, bundlereader.FormatSize(size), bundlereader.FormatSize(limit))
		}
	}
	return nil
}

// deltaHead keeps the first bytes of a delta: the sizes of its base and of its result.
type deltaHead struct {
	buf []byte
}

func (d *deltaHead) Write(p []byte) (int, error) {
	if room := 2*10 - len(d.buf); room > 0 {
		d.buf = append(d.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// targetSize decodes the second size of the delta (git's base-128 little-endian varints).
func (d *deltaHead) targetSize() int64 {
	b := d.buf
	for i := range 2 {
		var size int64
		shift := uint(0)
		for len(b) > 0 {
			c := b[0]
			b = b[1:]
			size |= int64(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				break
			}
		}
		if i == 1 {
			return size
		}
	}
	return 0
}
