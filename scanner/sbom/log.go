package sbom

import (
	"context"
	"fmt"
	"log/slog"
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

// slogAdapter is anchore's logger interface over slog. Trace goes to
// debug, which the CLI does not print by default.
type slogAdapter struct {
	l *slog.Logger
}

func (a *slogAdapter) log(level slog.Level, msg string) {
	a.l.Log(context.Background(), level, msg, "component", "syft")
}

func (a *slogAdapter) Errorf(f string, args ...any) { a.log(slog.LevelError, fmt.Sprintf(f, args...)) }
func (a *slogAdapter) Error(args ...any)            { a.log(slog.LevelError, fmt.Sprint(args...)) }
func (a *slogAdapter) Warnf(f string, args ...any)  { a.log(slog.LevelWarn, fmt.Sprintf(f, args...)) }
func (a *slogAdapter) Warn(args ...any)             { a.log(slog.LevelWarn, fmt.Sprint(args...)) }
func (a *slogAdapter) Infof(f string, args ...any)  { a.log(slog.LevelInfo, fmt.Sprintf(f, args...)) }
func (a *slogAdapter) Info(args ...any)             { a.log(slog.LevelInfo, fmt.Sprint(args...)) }
func (a *slogAdapter) Debugf(f string, args ...any) { a.log(slog.LevelDebug, fmt.Sprintf(f, args...)) }
func (a *slogAdapter) Debug(args ...any)            { a.log(slog.LevelDebug, fmt.Sprint(args...)) }
func (a *slogAdapter) Tracef(f string, args ...any) {
	a.log(slog.LevelDebug-4, fmt.Sprintf(f, args...))
}
func (a *slogAdapter) Trace(args ...any) { a.log(slog.LevelDebug-4, fmt.Sprint(args...)) }

func (a *slogAdapter) WithFields(fields ...any) logger.MessageLogger {
	return &slogAdapter{l: a.l.With(fieldArgs(fields)...)}
}

func (a *slogAdapter) Nested(fields ...any) logger.Logger {
	return &slogAdapter{l: a.l.With(fieldArgs(fields)...)}
}

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
