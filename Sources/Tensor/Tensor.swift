/// Placeholder: the tensor engine lands here.
public struct Tensor {}
