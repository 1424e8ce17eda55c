/// One element of a document read by `StrictXMLReader`.
///
/// Names are kept as written, prefix included: the reader does no namespace processing
/// beyond keeping `xmlns` / `xmlns:*` as ordinary attributes, which is all CloudFront's
/// request documents need.
public struct XMLElementNode: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public let name: String
    /// In document order; names are unique (a duplicate is a syntax error).
    public let attributes: [Attribute]
    public let children: [XMLElementNode]
    /// The character data directly inside this element (child elements' text excluded),
    /// CDATA sections included, references resolved, line ends normalized to LF. For
    /// `<a> x <b/> y </a>` it is `" x  y "`.
    public let text: String
    /// Byte offset of the element's `<`, for messages about its content.
    public let offset: Int

    public init(name: String, attributes: [Attribute] = [], children: [XMLElementNode] = [], text: String = "",
                offset: Int = 0) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
        self.offset = offset
    }

    /// The value of the attribute `name`, if present.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The first child element called `name`.
    public func child(_ name: String) -> XMLElementNode? {
        children.first { $0.name == name }
    }

    /// Every child element called `name`, in document order.
    public func children(_ name: String) -> [XMLElementNode] {
        children.filter { $0.name == name }
    }
}
