namespace Faustish.Generators.Serialization;

/// <summary>
/// Why the generated codecs cannot serve a key or value type: where, from the root type, and what is wrong there.
/// The generator skips what has one; the analyzers report it (FSH0400, or FSH0401 for a cycle), word for word.
/// </summary>
/// <param name="Path">From the root type: <c>Order</c>, <c>Order.Lines[].Product</c>, <c>Order.Tags[key]</c>, <c>Order(count)</c>.</param>
/// <param name="What">Completes "'<paramref name="Path"/>' ...": <c>has type 'IShape', which is an interface; ...</c>.</param>
/// <param name="CycleType">For a cycle, the type the path leads back to; otherwise null.</param>
internal sealed record JsonCodecProblem(string Path, string What, string? CycleType = null)
{
    public bool IsCycle => CycleType is not null;

    /// <summary>The whole sentence, e.g. for a stand-in's comment.</summary>
    public override string ToString() => IsCycle
        ? $"'{Path}' refers back to '{CycleType}', a cycle the JSON codec cannot encode"
        : $"'{Path}' {What}";
}
