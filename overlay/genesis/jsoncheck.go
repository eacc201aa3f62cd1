package genesis

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// checkJSON checks that b is one JSON object and nothing after it but white
// space, nested at most maxJSONDepth deep, with no name twice in one object
// (encoding/json would silently keep the last, so a reader of the file and
// the parser could see different values). It reports whether some field
// name is not exactly one of knownKeys (encoding/json matches names without
// regard to case); the caller decides when to complain about that.
func checkJSON(b []byte) (unknown bool, err error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	t, err := d.Token()
	if err != nil {
		return false, syntaxErr(err)
	}
	if t != json.Delim('{') {
		return false, malformed("", "not a JSON object")
	}
	w := walker{d: d}
	if err := w.object(1); err != nil {
		return false, syntaxErr(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return false, malformed("", "data after the JSON object")
	}
	return w.unknown, nil
}

type walker struct {
	d       *json.Decoder
	unknown bool
}

var (
	errTooDeep   = malformed("", "JSON nested too deeply")
	errTwice     = malformed("", "a field appears twice in one object")
	errNotSyntax = malformed("", "not valid JSON")
)

// value reads one value inside a container at the given depth.
func (w *walker) value(depth int) error {
	t, err := w.d.Token()
	if err != nil {
		return err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return nil
	}
	if depth+1 > maxJSONDepth {
		return errTooDeep
	}
	if d == '{' {
		return w.object(depth + 1)
	}
	return w.array(depth + 1) // Token returns only '{' or '[' here
}

// object reads the rest of an object whose '{' was read.
func (w *walker) object(depth int) error {
	seen := make(map[string]bool)
	for w.d.More() {
		t, err := w.d.Token()
		if err != nil {
			return err
		}
		key, ok := t.(string)
		if !ok {
			return errNotSyntax
		}
		if seen[key] {
			return errTwice
		}
		seen[key] = true
		w.unknown = w.unknown || !knownKeys[key]
		if err := w.value(depth); err != nil {
			return err
		}
	}
	_, err := w.d.Token() // '}'
	return err
}

// array reads the rest of an array whose '[' was read.
func (w *walker) array(depth int) error {
	for w.d.More() {
		if err := w.value(depth); err != nil {
			return err
		}
	}
	_, err := w.d.Token() // ']'
	return err
}

// syntaxErr maps the decoder's errors to ours, which never quote input.
func syntaxErr(err error) error {
	var fe *FieldError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &se):
		return malformed("", "not valid JSON (at byte "+strconv.FormatInt(se.Offset, 10)+")")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("", "not valid JSON (ends too early)")
	}
	return errNotSyntax
}
