package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// protobufMediaType is the media type our kinds cannot be encoded in: they have no generated protobuf
// marshallers.
const protobufMediaType = runtime.ContentTypeProtobuf

// withoutProtobuf is Codecs minus protobuf, the serializer of the fleet.cattle.io group. Kubernetes
// controllers (the namespace controller, the garbage collector) ask for protobuf first and JSON second;
// if the group offered protobuf, the server would pick it and then fail to encode our lists, and
// namespace deletion would never complete. Offering JSON (and YAML) only, as CRDs do, makes them fall
// back to JSON.
type withoutProtobuf struct{ serializer.CodecFactory }

var _ runtime.NegotiatedSerializer = withoutProtobuf{}

// SupportedMediaTypes returns the media types of Codecs except protobuf.
func (s withoutProtobuf) SupportedMediaTypes() []runtime.SerializerInfo {
	var out []runtime.SerializerInfo
	for _, info := range s.CodecFactory.SupportedMediaTypes() {
		if info.MediaType != protobufMediaType {
			out = append(out, info)
		}
	}
	return out
}
