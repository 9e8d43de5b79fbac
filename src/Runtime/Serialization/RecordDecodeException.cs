using System;

namespace Faustish.Serialization;

/// <summary>
/// A record's bytes do not match the type they should decode to. The message names the member
/// (as a JSON path such as <c>$.address.city</c>) and what was expected.
/// </summary>
public sealed class RecordDecodeException : Exception
{
    public RecordDecodeException() { }

    public RecordDecodeException(string message) : base(message) { }

    public RecordDecodeException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The JSON path of the member that failed, when known (e.g. <c>$.items[2].price</c>).</summary>
    public string? Path { get; init; }
}
