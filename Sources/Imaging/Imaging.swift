/// Placeholder: images, codecs and colour spaces land here.
public enum Imaging {}
