package sqlstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
)

// TestOpenErrors checks that Open turns bad files and directories into one
// line that names the file, without panicking.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not a database ", 64)), 0o600); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	unwritable := unwritableDir(t)

	tests := []struct {
		name    string
		path    string
		want    string
		wantErr error
	}{
		{name: "empty path", path: "", want: "open database: path is empty"},
		{name: "not a database", path: garbage, want: `open database "` + garbage + `": file is not a database`, wantErr: ErrCorrupt},
		{name: "missing directory", path: filepath.Join(dir, "missing", "fleet.db"),
			want: `open database "` + filepath.Join(dir, "missing", "fleet.db") + `": directory "` + filepath.Join(dir, "missing") + `" does not exist`},
		{name: "parent is a file", path: filepath.Join(notADir, "fleet.db"),
			want: `open database "` + filepath.Join(notADir, "fleet.db") + `": "` + notADir + `" is not a directory`},
		{name: "path is a directory", path: dir, want: `open database "` + dir + `": "` + dir + `" is a directory`},
		{name: "unwritable directory", path: filepath.Join(unwritable, "fleet.db"),
			want: `open database "` + filepath.Join(unwritable, "fleet.db") + `": directory "` + unwritable + `" is not writable: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), Config{Path: tt.path})
			if err == nil {
				_ = db.Close()
				t.Fatalf("Open(%q) succeeded, want error %q", tt.path, tt.want)
			}
			assertOneLine(t, err)
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q, want prefix %q", err, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantErr)
			}
		})
	}
}

// TestOpenCorruptPages damages the pages of a valid database: the integrity
// check at Open must report it.
func TestOpenCorruptPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet.db")
	db, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.newStore(podStoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: strings.Repeat("x", 40) + string(rune('a'+i%26)) + string(rune('a'+i/26))}}
		if err := s.Create(context.Background(), "/pods/ns/"+pod.Name, pod, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	if len(data) < 4*pageSize {
		t.Fatalf("database too small to damage: %d bytes", len(data))
	}
	// Keep the header page, scramble the b-tree pages after it.
	for i := pageSize; i < len(data); i++ {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(context.Background(), Config{Path: path})
	if err == nil {
		_ = db.Close()
		t.Fatal("Open of a damaged database succeeded")
	}
	assertOneLine(t, err)
	if !strings.HasPrefix(err.Error(), `open database "`+path+`": `) || !errors.Is(err, ErrCorrupt) {
		t.Errorf("error = %q, want a corruption reported for %s", err, path)
	}
}

func assertOneLine(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans several lines: %q", err)
	}
}

// unwritableDir returns a directory the test process cannot create files in.
// Permission bits do not stop root, so root gets /proc, where nobody can
// create files.
func unwritableDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() == 0 {
		return "/proc"
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	return dir
}
