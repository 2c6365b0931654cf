package memsync

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"html"
	"io"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// supportedFileTypes lists the documented upload types (file-integration page).
func supportedFileTypes() []string { return []string{"pdf", "docx", "txt", "md", "html"} }

// fileKind names the document type from the file name, or by sniffing when it has no extension.
func fileKind(name string, data []byte) (string, bool) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	switch ext {
	case "pdf", "docx", "txt", "md", "html":
		return ext, true
	case "markdown":
		return "md", true
	case "htm":
		return "html", true
	case "text":
		return "txt", true
	case "":
	default:
		return ext, false
	}
	head := bytes.ToLower(data[:min(len(data), 512)])
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "pdf", true
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "docx", true
	case bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")):
		return "html", true
	case utf8.Valid(data[:min(len(data), 4096)]):
		return "txt", true
	}
	return "bin", false
}

// documentText extracts plain text and a page count. It uses the real structure of each format
// (PDF content streams, the DOCX document part, HTML markup), as far as the kept head of the
// upload allows.
func documentText(kind string, data []byte) (string, int) {
	var text string
	pages := 0
	switch kind {
	case "pdf":
		text, pages = pdfText(data)
	case "docx":
		text = docxText(data)
	case "html":
		text = htmlText(string(data))
	case "md":
		text = markdownText(string(data))
	default:
		text = string(data)
	}
	text = strings.ToValidUTF8(text, " ")
	if pages == 0 {
		pages = max(1, (utf8.RuneCountInString(text)+2999)/3000)
	}
	return strings.TrimSpace(text), pages
}

var (
	pdfPageRe   = regexp.MustCompile(`/Type\s*/Page[^s]`)
	pdfStreamRe = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	pdfBlockRe  = regexp.MustCompile(`(?s)BT(.*?)ET`)
	pdfStrRe    = regexp.MustCompile(`\((?:\\.|[^\\)])*\)`)
)

// pdfText collects the strings shown by the text operators (Tj, TJ) of every content stream,
// inflating FlateDecode streams, one line per text block; it also counts /Type /Page objects.
func pdfText(data []byte) (string, int) {
	pages := len(pdfPageRe.FindAll(data, -1))
	var out strings.Builder
	// Why: a small compressed stream can inflate enormously; cap what all streams may inflate to.
	budget := int64(16 << 20)
	for _, m := range pdfStreamRe.FindAllSubmatch(data, 200) {
		content := m[1]
		if zr, err := zlib.NewReader(bytes.NewReader(content)); err == nil && budget > 0 {
			if b, err := io.ReadAll(io.LimitReader(zr, budget)); err == nil || len(b) > 0 {
				content = b
				budget -= int64(len(b))
			}
			_ = zr.Close()
		}
		for _, blk := range pdfBlockRe.FindAllSubmatch(content, -1) {
			for _, s := range pdfStrRe.FindAll(blk[1], -1) {
				out.WriteString(pdfUnescape(s[1 : len(s)-1]))
				out.WriteByte(' ')
			}
			out.WriteByte('\n')
		}
	}
	return out.String(), pages
}

// pdfUnescape resolves the backslash escapes of a PDF literal string.
func pdfUnescape(b []byte) string {
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out.WriteByte(b[i])
			continue
		}
		i++
		switch b[i] {
		case 'n':
			out.WriteByte('\n')
		case 't':
			out.WriteByte('\t')
		case 'r', 'b', 'f':
			out.WriteByte(' ')
		default:
			out.WriteByte(b[i])
		}
	}
	return out.String()
}

var (
	xmlParaRe = regexp.MustCompile(`</w:p>|<w:br/>|<w:tab/>`)
	tagRe     = regexp.MustCompile(`<[^>]*>`)
	scriptRe  = regexp.MustCompile(`(?is)<script[^>]*>.*?</script>`)
	styleRe   = regexp.MustCompile(`(?is)<style[^>]*>.*?</style>`)
	blockRe   = regexp.MustCompile(`(?i)</(p|div|h[1-6]|li|tr|section|article)>|<br\s*/?>`)
	mdLinkRe  = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdMarkRe  = regexp.MustCompile("(?m)^\\s{0,3}(#{1,6}|>|[-*+]|\\d+\\.)\\s+|[*_`~]{1,3}")
	mdFenceRe = regexp.MustCompile("(?s)```.*?```")
)

// docxText reads word/document.xml from the DOCX archive, one line per paragraph.
func docxText(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return ""
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 16<<20))
		_ = rc.Close()
		s := xmlParaRe.ReplaceAllString(string(b), "\n")
		return html.UnescapeString(tagRe.ReplaceAllString(s, ""))
	}
	return ""
}

// htmlText drops scripts, styles and tags, keeping block boundaries as line breaks.
func htmlText(s string) string {
	s = scriptRe.ReplaceAllString(s, " ")
	s = styleRe.ReplaceAllString(s, " ")
	s = blockRe.ReplaceAllString(s, "\n")
	return html.UnescapeString(tagRe.ReplaceAllString(s, " "))
}

// markdownText strips Markdown markup (headings, emphasis, links, code fences).
func markdownText(s string) string {
	s = mdFenceRe.ReplaceAllString(s, "\n")
	s = mdLinkRe.ReplaceAllString(s, "$1")
	return mdMarkRe.ReplaceAllString(s, "")
}

// chunkCount is how many chunks of size with overlap cover n characters.
func chunkCount(n, size, overlap int) int {
	if n <= 0 {
		return 0
	}
	if n <= size {
		return 1
	}
	step := size - overlap
	return 1 + (n-size+step-1)/step
}
