"""An independent float64 numpy implementation of EfficientNet-Lite inference.

It exists so that the Swift engine's forward pass can be checked against something that shares
no code with it: it runs on the ORIGINAL PyTorch-layout arrays (OIHW filters, [1000, in]
classifier) exactly as they come out of the .pth, in float64, with TF "SAME" padding.

Architecture (Tan & Le 2019, "Lite" variant: no squeeze-excitation, ReLU6 everywhere):
  stem 3x3/2 conv -> BN -> ReLU6
  MBConv blocks: [1x1 expand -> BN -> ReLU6] -> kxk depthwise/s -> BN -> ReLU6 -> 1x1 project -> BN,
                 plus the input when stride 1 and in == out channels
  head 1x1 conv -> BN -> ReLU6 -> global average pool -> fc (with bias)
Kernel sizes, widths, expansion and the number of blocks are read off the weights; only the
stage strides are fixed by the design (see STAGE_STRIDES).

Preprocessing (`preprocess`): RGB 0-255 as float, bilinear resize (half-pixel centres, no
antialiasing) so that the short side is S and the long side round(long * S / short), then a
centre crop S x S at offset (size - S) // 2. The network then sees (rgb - 127) / 128.
"""

import math

import numpy as np

# Stride of the first block of each of EfficientNet's seven stages (MBConv1 k3, then MBConv6
# k3 s2, k5 s2, k3 s2, k5 s1, k5 s2, k3 s1); every other block has stride 1.
STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)

BN_EPSILON = 1e-3  # the TF original's; PyTorch's default 1e-5 would be wrong for these weights
INPUT_MEAN, INPUT_STD = 127.0, 128.0

# The resolution each variant was trained at (TF EfficientNet-Lite's table).
RESOLUTION = {"lite0": 224, "lite1": 240, "lite2": 260, "lite3": 280, "lite4": 300}


def same_padding(size, kernel, stride):
    """TF "SAME": ceil(size / stride) outputs, the odd pixel of padding after (bottom/right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def conv2d(x, weight, stride, depthwise=False):
    """x [H, W, Cin] float64, weight OIHW ([C, 1, kh, kw] when depthwise) -> [H', W', Cout].

    One shifted, strided view of the padded input per filter tap: few taps (at most 25), each a
    matrix product (or a per-channel product when depthwise), which numpy does fast."""
    _, _, kh, kw = weight.shape
    out_h, top, bottom = same_padding(x.shape[0], kh, stride)
    out_w, left, right = same_padding(x.shape[1], kw, stride)
    padded = np.pad(x, ((top, bottom), (left, right), (0, 0)))
    out = None
    for i in range(kh):
        for j in range(kw):
            tap = padded[i : i + stride * (out_h - 1) + 1 : stride, j : j + stride * (out_w - 1) + 1 : stride]
            term = tap * weight[:, 0, i, j] if depthwise else tap @ weight[:, :, i, j].T
            out = term if out is None else out + term
    return out


def batch_norm(x, weights, prefix):
    scale = weights[prefix + ".weight"] / np.sqrt(weights[prefix + ".running_var"] + BN_EPSILON)
    return (x - weights[prefix + ".running_mean"]) * scale + weights[prefix + ".bias"]


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def architecture(weights):
    """One dict per MBConv block: name, stride, kernel, in/out channels, expanded width, expand?

    A stage is a run of consecutive blocks with the same output width (the seven stage widths of
    every EfficientNet differ from their neighbours)."""
    count = 0
    while f"_blocks.{count}._depthwise_conv.weight" in weights:
        count += 1
    blocks, stage, previous_out = [], -1, None
    for index in range(count):
        name = f"_blocks.{index}"
        depthwise = weights[name + "._depthwise_conv.weight"]
        out_channels = weights[name + "._project_conv.weight"].shape[0]
        first_of_stage = out_channels != previous_out
        if first_of_stage:
            stage += 1
        expand = name + "._expand_conv.weight" in weights
        blocks.append(
            {
                "name": name,
                "stage": stage,
                "stride": STAGE_STRIDES[stage] if first_of_stage else 1,
                "kernel": depthwise.shape[2],
                "in": weights[name + "._expand_conv.weight"].shape[1] if expand else depthwise.shape[0],
                "expanded": depthwise.shape[0],
                "out": out_channels,
                "expand": expand,
            }
        )
        previous_out = out_channels
    if stage != len(STAGE_STRIDES) - 1:
        raise ValueError(f"{count} blocks in {stage + 1} stages; EfficientNet has {len(STAGE_STRIDES)}")
    return blocks


def logits(weights, rgb255):
    """ImageNet logits [1000] (float64) of one preprocessed image [S, S, 3] on the 0-255 scale."""
    w = {name: np.asarray(value, dtype=np.float64) for name, value in weights.items()}
    x = (np.asarray(rgb255, dtype=np.float64) - INPUT_MEAN) / INPUT_STD
    x = relu6(batch_norm(conv2d(x, w["_conv_stem.weight"], 2), w, "_bn0"))
    for block in architecture(weights):
        name, y = block["name"], x
        if block["expand"]:
            y = relu6(batch_norm(conv2d(y, w[name + "._expand_conv.weight"], 1), w, name + "._bn0"))
        y = conv2d(y, w[name + "._depthwise_conv.weight"], block["stride"], depthwise=True)
        y = relu6(batch_norm(y, w, name + "._bn1"))
        y = batch_norm(conv2d(y, w[name + "._project_conv.weight"], 1), w, name + "._bn2")
        x = y + x if block["stride"] == 1 and block["in"] == block["out"] else y
    x = relu6(batch_norm(conv2d(x, w["_conv_head.weight"], 1), w, "_bn1"))
    return x.mean(axis=(0, 1)) @ w["_fc.weight"].T + w["_fc.bias"]


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def top(z, count=5):
    """[(class index, probability)] of the `count` most probable classes, most probable first."""
    p = softmax(np.asarray(z, dtype=np.float64))
    return [(int(i), float(p[i])) for i in np.argsort(-p, kind="stable")[:count]]


def read_png(path):
    """[H, W, 3] float64 RGB, 0-255. Pillow only decodes; every resampling step is ours."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64)


def resize_axis(x, axis, size):
    """Bilinear along one axis: half-pixel centres, edge clamping, no antialiasing."""
    source = x.shape[axis]
    position = np.clip((np.arange(size) + 0.5) * source / size - 0.5, 0, source - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, source - 1)
    shape = [1] * x.ndim
    shape[axis] = size
    fraction = (position - low).reshape(shape)
    return np.take(x, low, axis=axis) * (1 - fraction) + np.take(x, high, axis=axis) * fraction


def preprocess(rgb, size):
    """Short side to `size` (long side rounded half up), then the centred size x size square."""
    height, width = rgb.shape[:2]
    scale = size / min(height, width)
    new_h = max(size, math.floor(height * scale + 0.5))
    new_w = max(size, math.floor(width * scale + 0.5))
    resized = resize_axis(resize_axis(rgb, 0, new_h), 1, new_w)
    top_, left = (new_h - size) // 2, (new_w - size) // 2
    return resized[top_ : top_ + size, left : left + size]


def grey(rgb):
    """Luma (ITU-R BT.601 weights) [H, W, 1] of [H, W, 3]."""
    return (rgb @ np.array([0.299, 0.587, 0.114]))[..., None]
