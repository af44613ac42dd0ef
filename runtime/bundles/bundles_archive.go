package bundles

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing/fstest"
	"time"
)

// The files an archive adds to a bundle's folder.
const (
	// ChecksumsFile lists every file of the bundle with its SHA-256.
	ChecksumsFile = "CHECKSUMS.json"
	// SignatureFile holds the publisher's ed25519 signature of
	// ChecksumsFile and the public key it verifies with.
	SignatureFile = "SIGNATURE.json"
)

// Limits of an archive, against hostile uploads.
const (
	MaxArchiveBytes = 16 << 20
	MaxArchiveFiles = 2000
	MaxFileBytes    = 4 << 20
)

// checksums is ChecksumsFile: file path → hex SHA-256.
type checksums struct {
	Files map[string]string `json:"files"`
}

// signature is SignatureFile.
type signature struct {
	// PublicKey is the signer's ed25519 public key, base64.
	PublicKey string `json:"public_key"`
	// Signature is the ed25519 signature of ChecksumsFile's bytes, base64.
	Signature string `json:"signature"`
}

// Pack packs a bundle folder into an archive (tar.gz) with its checksums,
// signed with key when key is not nil.
func Pack(dir fs.FS, key ed25519.PrivateKey) ([]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(dir, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		if p == ChecksumsFile || p == SignatureFile {
			return nil
		}
		b, err := fs.ReadFile(dir, p)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bundles: pack: %w", err)
	}
	sums := checksums{Files: map[string]string{}}
	for p, b := range files {
		h := sha256.Sum256(b)
		sums.Files[p] = hex.EncodeToString(h[:])
	}
	sumBytes, err := json.MarshalIndent(sums, "", "  ")
	if err != nil {
		return nil, err
	}
	files[ChecksumsFile] = sumBytes
	if key != nil {
		sig, err := signBytes(sumBytes, key)
		if err != nil {
			return nil, err
		}
		files[SignatureFile] = sig
	}
	return writeArchive(files)
}

// Sign signs an archive (replacing any signature) with key.
func Sign(archive []byte, key ed25519.PrivateKey) ([]byte, error) {
	files, err := readArchive(archive)
	if err != nil {
		return nil, err
	}
	sums, ok := files[ChecksumsFile]
	if !ok {
		return nil, errors.New("bundles: the archive has no " + ChecksumsFile)
	}
	sig, err := signBytes(sums, key)
	if err != nil {
		return nil, err
	}
	files[SignatureFile] = sig
	return writeArchive(files)
}

func signBytes(sums []byte, key ed25519.PrivateKey) ([]byte, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("bundles: not an ed25519 key")
	}
	return json.MarshalIndent(signature{
		PublicKey: base64.StdEncoding.EncodeToString(pub),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, sums)),
	}, "", "  ")
}

// GenerateKey returns a new ed25519 key pair for signing bundles.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// EncodeKey and DecodePrivateKey write and read a private key as base64
// text; EncodePublicKey writes a public key so.
func EncodeKey(k ed25519.PrivateKey) string      { return base64.StdEncoding.EncodeToString(k.Seed()) }
func EncodePublicKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// DecodePrivateKey reads a private key written by EncodeKey.
func DecodePrivateKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("bundles: not a signing key (base64 of a 32-byte ed25519 seed)")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// DecodePublicKey reads a public key written by EncodePublicKey.
func DecodePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("bundles: not a public key (base64 of 32 bytes)")
	}
	return ed25519.PublicKey(b), nil
}

// Opened is an archive opened and checked: its files, and who signed it.
type Opened struct {
	FS fs.FS
	// SignedBy is the base64 public key that signed the archive, "" when
	// it is unsigned.
	SignedBy string
}

// ErrBadArchive is an archive that is not a well-formed bundle archive, or
// whose files do not match their checksums, or whose signature does not
// verify.
var ErrBadArchive = errors.New("bad bundle archive")

// Open reads an archive and checks it: every file listed in the checksums
// with its SHA-256, no other file, and, when signed, a signature that
// verifies with the key it names (whether that key is trusted is the
// caller's question).
func Open(archive []byte) (*Opened, error) {
	files, err := readArchive(archive)
	if err != nil {
		return nil, err
	}
	sumBytes, ok := files[ChecksumsFile]
	if !ok {
		return nil, fmt.Errorf("%w: no %s", ErrBadArchive, ChecksumsFile)
	}
	var sums checksums
	if err := json.Unmarshal(sumBytes, &sums); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadArchive, ChecksumsFile, err)
	}
	out := &Opened{}
	if sigBytes, ok := files[SignatureFile]; ok {
		var sig signature
		if err := json.Unmarshal(sigBytes, &sig); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadArchive, SignatureFile, err)
		}
		pub, err := DecodePublicKey(sig.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Signature)
		if err != nil || !ed25519.Verify(pub, sumBytes, raw) {
			return nil, fmt.Errorf("%w: the signature does not verify", ErrBadArchive)
		}
		out.SignedBy = sig.PublicKey
	}
	mfs := fstest.MapFS{}
	for p, b := range files {
		if p == ChecksumsFile || p == SignatureFile {
			continue
		}
		want, listed := sums.Files[p]
		h := sha256.Sum256(b)
		if !listed || want != hex.EncodeToString(h[:]) {
			return nil, fmt.Errorf("%w: %s does not match its checksum", ErrBadArchive, p)
		}
		mfs[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	for p := range sums.Files {
		if _, ok := files[p]; !ok {
			return nil, fmt.Errorf("%w: %s is listed but missing", ErrBadArchive, p)
		}
	}
	out.FS = mfs
	return out, nil
}

func writeArchive(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		b := files[p]
		hdr := &tar.Header{Name: p, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("bundles: archive: %w", err)
		}
		if _, err := tw.Write(b); err != nil {
			return nil, fmt.Errorf("bundles: archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("bundles: archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("bundles: archive: %w", err)
	}
	return buf.Bytes(), nil
}

// readArchive reads a tar.gz archive's regular files, refusing paths that
// leave the bundle, links, too many or too large files.
func readArchive(archive []byte) (map[string][]byte, error) {
	if len(archive) > MaxArchiveBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadArchive, MaxArchiveBytes)
	}
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("%w: not gzip: %v", ErrBadArchive, err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	total := int64(0)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadArchive, hdr.Name)
		}
		p := path.Clean(hdr.Name)
		if !fs.ValidPath(p) || strings.HasPrefix(p, "../") || path.IsAbs(hdr.Name) {
			return nil, fmt.Errorf("%w: path %q leaves the bundle", ErrBadArchive, hdr.Name)
		}
		if _, dup := files[p]; dup {
			return nil, fmt.Errorf("%w: %s is in the archive twice", ErrBadArchive, p)
		}
		if len(files) >= MaxArchiveFiles || hdr.Size > MaxFileBytes {
			return nil, fmt.Errorf("%w: too many or too large files", ErrBadArchive)
		}
		b, err := io.ReadAll(io.LimitReader(tr, MaxFileBytes+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		total += int64(len(b))
		if len(b) > MaxFileBytes || total > 4*MaxArchiveBytes {
			return nil, fmt.Errorf("%w: too large once unpacked", ErrBadArchive)
		}
		files[p] = b
	}
	return files, nil
}

// ReadFiles returns the files of an archive without checking them (for
// tools and tests that rewrite archives).
func ReadFiles(archive []byte) (map[string][]byte, error) { return readArchive(archive) }

// WriteFiles writes files into an archive as they are.
func WriteFiles(files map[string][]byte) ([]byte, error) { return writeArchive(files) }
