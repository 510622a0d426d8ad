package sqlstore

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSecondOpenRefused: while one DB has the file open, a second Open of the
// same file in the same process is refused in one line that names the file,
// the lock file and this process; after Close the file opens again.
func TestSecondOpenRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet.db")
	first, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(context.Background(), Config{Path: path})
	if err == nil {
		_ = second.Close()
		_ = first.Close()
		t.Fatal("a second Open of the same file succeeded")
	}
	assertOneLine(t, err)
	want := `open database "` + path + `": database is in use by process ` + strconv.Itoa(os.Getpid()) +
		` (lock file "` + path + `.lock"); one process per SQLite file`
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path + ".lock"); err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Fatalf("lock file: %v, mode %v; want owner-only", err, st.Mode())
	}
}

// lockHolderEnv makes the test binary a helper process that opens the
// database it names, says "ready" and waits to be killed (or for its stdin to
// close).
const lockHolderEnv = "SQLSTORE_TEST_LOCK_HOLDER"

// TestDatabaseLockAcrossProcesses: a database held by another process (this
// test binary re-executed) cannot be opened; the error names that process.
// When the holder dies without closing (SIGKILL), the OS releases the lock
// and the file opens.
func TestDatabaseLockAcrossProcesses(t *testing.T) {
	if path := os.Getenv(lockHolderEnv); path != "" {
		db, err := Open(context.Background(), Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = os.Stdout.WriteString("ready\n")
		// Killed by the parent; if the parent dies first, its end of
		// stdin closes and the helper ends.
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = db.Close()
		t.Fatal("the parent went away")
	}

	path := filepath.Join(t.TempDir(), "fleet.db")
	holder := exec.Command(os.Args[0], "-test.run=^TestDatabaseLockAcrossProcesses$")
	holder.Env = append(os.Environ(), lockHolderEnv+"="+path)
	holder.Stderr = os.Stderr
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close() }()
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	ready, done := make(chan struct{}), make(chan struct{})
	var waitErr error
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if s.Text() == "ready" {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		waitErr = holder.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = holder.Process.Kill()
		<-done
	})
	select {
	case <-ready:
	case <-done:
		t.Fatalf("the holder process exited before opening the database: %v", waitErr)
	}

	db, err := Open(context.Background(), Config{Path: path})
	if err == nil {
		_ = db.Close()
		t.Fatal("opened a database another process holds")
	}
	assertOneLine(t, err)
	if want := "database is in use by process " + strconv.Itoa(holder.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %q, want it to contain %q", err, want)
	}

	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	if waitErr == nil {
		t.Fatal("the holder exited cleanly; it should have been killed")
	}
	db, err = Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatalf("Open after the holder died: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLockFollowsTheRealFile: a second Open through a symlink to the held database (or to its
// directory) is refused as well, and a symlink planted where the lock file goes is not followed.
func TestLockFollowsTheRealFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fleet.db")
	first, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = first.Close() }()
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(t.TempDir(), "data")
	if err := os.Symlink(dir, linkDir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, filepath.Join(linkDir, "fleet.db")} {
		if second, err := Open(context.Background(), Config{Path: p}); err == nil {
			_ = second.Close()
			t.Errorf("Open through %s of a held database succeeded", p)
		} else if !strings.Contains(err.Error(), "database is in use by process") {
			t.Errorf("Open through %s: %v", p, err)
		}
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	if err := os.Symlink(victim, other+".lock"); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(context.Background(), Config{Path: other}); err == nil {
		_ = db.Close()
		t.Error("Open with a symlink as its lock file succeeded")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the symlink's target was written: %q", b)
	}
}
