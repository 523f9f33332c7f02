package sbom

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/anchore/go-logger"
	"github.com/anchore/stereoscope"
	"github.com/anchore/syft/syft"
)

var setLogger sync.Once

// SetLogger routes syft's and stereoscope's process-wide loggers to l. It is
// for a program's main (the CLI calls it once); libraries must not call it.
// Only the first call has an effect.
func SetLogger(l *slog.Logger) {
	setLogger.Do(func() {
		a := &slogAdapter{l: l}
		syft.SetLogger(a)
		stereoscope.SetLogger(a)
	})
}

// slogAdapter is anchore's logger interface over slog. Trace goes below
// debug, which the CLI never prints.
type slogAdapter struct {
	l *slog.Logger
	// fields are kept until a message is logged: syft attaches fields to
	// many messages that no level lets through, and slog's With would
	// format them at once.
	fields []any
}

// logf formats only what the level lets through: syft logs a great deal
// at debug and trace level, often with large values.
func (a *slogAdapter) logf(level slog.Level, format string, args ...any) {
	if a.l.Enabled(context.Background(), level) {
		a.l.Log(context.Background(), level, fmt.Sprintf(format, args...), a.attrs()...)
	}
}

func (a *slogAdapter) logv(level slog.Level, args ...any) {
	if a.l.Enabled(context.Background(), level) {
		a.l.Log(context.Background(), level, fmt.Sprint(args...), a.attrs()...)
	}
}

// levelTrace is below slog's debug level: printed only when asked for.
const levelTrace = slog.LevelDebug - 4

func (a *slogAdapter) Errorf(f string, args ...any) { a.logf(slog.LevelError, f, args...) }
func (a *slogAdapter) Error(args ...any)            { a.logv(slog.LevelError, args...) }
func (a *slogAdapter) Warnf(f string, args ...any)  { a.logf(slog.LevelWarn, f, args...) }
func (a *slogAdapter) Warn(args ...any)             { a.logv(slog.LevelWarn, args...) }
func (a *slogAdapter) Infof(f string, args ...any)  { a.logf(slog.LevelInfo, f, args...) }
func (a *slogAdapter) Info(args ...any)             { a.logv(slog.LevelInfo, args...) }
func (a *slogAdapter) Debugf(f string, args ...any) { a.logf(slog.LevelDebug, f, args...) }
func (a *slogAdapter) Debug(args ...any)            { a.logv(slog.LevelDebug, args...) }
func (a *slogAdapter) Tracef(f string, args ...any) { a.logf(levelTrace, f, args...) }
func (a *slogAdapter) Trace(args ...any)            { a.logv(levelTrace, args...) }

func (a *slogAdapter) attrs() []any { return append([]any{"component", "syft"}, a.fields...) }

func (a *slogAdapter) with(fields []any) *slogAdapter {
	return &slogAdapter{l: a.l, fields: append(slices.Clone(a.fields), fieldArgs(fields)...)}
}

func (a *slogAdapter) WithFields(fields ...any) logger.MessageLogger { return a.with(fields) }

func (a *slogAdapter) Nested(fields ...any) logger.Logger { return a.with(fields) }

// fieldArgs accepts key/value pairs or a logger.Fields map.
func fieldArgs(fields []any) []any {
	if len(fields) == 1 {
		if m, ok := fields[0].(logger.Fields); ok {
			out := make([]any, 0, 2*len(m))
			for k, v := range m {
				out = append(out, k, v)
			}
			return out
		}
	}
	return fields
}
