package bundle

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/klauspost/compress/zstd"
)

// ErrCompressionBomb reports a stream that decompresses to far more than
// an honest bundle would.
var ErrCompressionBomb = errors.New("compression ratio over the limit")

// ErrOversize reports a stream that holds more bytes than its signed
// manifest accounts for.
var ErrOversize = errors.New("archive holds more data than its manifest lists")

// maxDecoderWindow bounds the memory a zstd frame may ask of the decoder.
// Create writes 8 MiB windows; 32 MiB leaves room for bundles recompressed
// by the zstd tool at high levels and refuses anything that would push the
// reader past its memory budget.
const maxDecoderWindow = 32 << 20

// stream is a bundle opened for reading: the compressed source, the zstd
// decoder, the guard that bounds what decompression may produce, and the
// tar reader on top.
type stream struct {
	src   *source
	dec   *zstd.Decoder
	guard *guard
	arc   *archive
}

func openStream(path string, lim Limits, prog Progress) (*stream, error) {
	lim = lim.withDefaults()
	src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	if prog != nil {
		src.onAdd = prog.Add
	}
	// Two decoder goroutines overlap decompression with the hashing done
	// by the caller; more buys nothing on the streams Create writes.
	dec, err := zstd.NewReader(src,
		zstd.WithDecoderConcurrency(min(2, runtime.GOMAXPROCS(0))),
		zstd.WithDecoderMaxWindow(maxDecoderWindow),
		zstd.WithDecoderMaxMemory(maxDecoderWindow),
	)
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	g := &guard{r: dec, src: src, lim: lim}
	return &stream{src: src, dec: dec, guard: g, arc: newArchive(g)}, nil
}

// Close releases the stream; the decoder goes first since its goroutines
// read from the source.
func (s *stream) Close() {
	s.dec.Close()
	s.src.Close()
}

// fail gives err the most precise cause known (a bad part of a split
// bundle explains everything after it).
func (s *stream) fail(err error) error { return s.src.explain(err) }

// drain reads what follows the end of the tar archive. Only zero padding
// may follow; reading to the end also makes the decoder check the frame's
// checksum.
func (s *stream) drain() error {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.guard.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return errors.New("data follows the end of the archive: the bundle was altered")
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return readError("read the end of the bundle", err)
		}
	}
}

// guard counts decompressed bytes and stops the stream when they outgrow
// the compressed bytes by more than the ratio limit, or, once the signed
// manifest is known, outgrow what the manifest lists.
type guard struct {
	r      io.Reader
	src    *source
	lim    Limits
	out    int64
	maxOut int64 // 0 until the manifest is verified
}

func (g *guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.maxOut > 0 && g.out > g.maxOut {
		return n, fmt.Errorf("%w (%d bytes so far, the manifest accounts for %d)", ErrOversize, g.out, g.maxOut)
	}
	if g.out > g.lim.RatioGrace {
		in := max(g.src.read.Load(), 1)
		if g.out/in > g.lim.MaxRatio {
			return n, fmt.Errorf("%w: %d bytes came from %d compressed (limit %d:1); the bundle is a compression bomb or damaged", ErrCompressionBomb, g.out, in, g.lim.MaxRatio)
		}
	}
	return n, err
}

// expect bounds the stream by what manifest lists.
func (g *guard) expect(m *Manifest) {
	g.maxOut = g.out + m.TotalSize() + int64(len(m.Files))*tarOverheadPerFile + tarOverheadTail
}
