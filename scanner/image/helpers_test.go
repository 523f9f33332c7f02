package image

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func layoutWrite(dir string) (layout.Path, error) { return layout.Write(dir, empty.Index) }

func pushWith(ref string, img v1.Image, o Options) error {
	r, err := o.ParseReference(ref)
	if err != nil {
		return err
	}
	return remote.Write(r, img, o.remoteOptions(context.Background(), r)...)
}
