using System;
using System.Collections.Generic;
using System.Linq;

namespace Faustish.Generators.Tests.Fuzz;

/// <summary>
/// A type a fuzz input uses as a key, a value or a member: how C# writes it (always fully qualified, so it reads the
/// same in the user's files and in the probe), and how to write sample values of it.
/// </summary>
internal sealed class FuzzType
{
    private readonly Func<Random, int, string> _sample;

    public FuzzType(string code, Func<Random, int, string> sample, bool isReference, bool mayBeNull = false, FuzzRecord? record = null)
    {
        Code = code;
        _sample = sample;
        IsReference = isReference;
        MayBeNull = mayBeNull;
        Record = record;
    }

    /// <summary>The type as C# writes it, <c>global::</c>-qualified, with <c>?</c> when nullable.</summary>
    public string Code { get; }

    public bool IsReference { get; }

    /// <summary>Annotated (<c>string?</c>) or <c>Nullable&lt;T&gt;</c>.</summary>
    public bool MayBeNull { get; }

    /// <summary>The user's record, class or struct behind this type, if it is one.</summary>
    public FuzzRecord? Record { get; }

    /// <summary>Whether the type takes one of Kafka's primitive encodings as a key or value (no JSON codec).</summary>
    public bool IsKafkaPrimitive => Code is "string" or "int" or "long" or "double";

    /// <summary>A C# expression for a sample value; <paramref name="depth"/> bounds nested collections.</summary>
    public string Sample(Random random, int depth = 0) => _sample(random, depth);

    /// <summary>The nullable form: <c>T?</c>, whose samples are sometimes <c>null</c>.</summary>
    public FuzzType Nullable() => MayBeNull
        ? this
        : new FuzzType(Code + "?", (random, depth) => random.Next(3) == 0 ? "null" : Sample(random, depth), IsReference, mayBeNull: true, Record);

    public override string ToString() => Code;

    private static string Pick(Random random, params string[] samples) => samples[random.Next(samples.Length)];

    public static readonly string[] Strings =
    [
        "\"\"", "\"plain\"", "\"quote \\\" backslash \\\\ slash /\"", "\"line\\nbreak\\ttab\\rcr\"", "\"é ü 中文 😀\"",
        "\"\\u2028\\u2029\"", "\"<b>&amp;</b> 'apos' +\"", "\"\\u0001\\u001f\\u007f\"", "\"Zähler\"",
    ];

    public static FuzzType String { get; } = new("string", (r, _) => Pick(r, Strings), isReference: true);

    public static FuzzType Int { get; } = new("int", (r, _) => Pick(r, "0", "-1", "int.MaxValue", "int.MinValue", "42"), false);

    public static FuzzType Long { get; } = new("long", (r, _) => Pick(r, "long.MinValue", "9007199254740993L", "0L", "-7L"), false);

    public static FuzzType Double { get; } = new("double", (r, _) => Pick(r, "0.1", "-1.5e300", "double.Epsilon", "1e-7", "0.0", "0.1 + 0.2"), false);

    public static IReadOnlyList<FuzzType> Scalars { get; } =
    [
        String,
        Int,
        Long,
        Double,
        new("short", (r, _) => Pick(r, "short.MinValue", "(short)7", "short.MaxValue"), false),
        new("byte", (r, _) => Pick(r, "(byte)0", "byte.MaxValue"), false),
        new("sbyte", (r, _) => Pick(r, "sbyte.MinValue", "(sbyte)5"), false),
        new("ushort", (r, _) => Pick(r, "ushort.MaxValue", "(ushort)1"), false),
        new("uint", (r, _) => Pick(r, "uint.MaxValue", "3u"), false),
        new("ulong", (r, _) => Pick(r, "ulong.MaxValue", "18446744073709551000UL", "0UL"), false),
        new("float", (r, _) => Pick(r, "0.1f", "float.MaxValue", "-3.25f", "float.Epsilon"), false),
        new("decimal", (r, _) => Pick(r, "0.1m", "-123456789.987654321m", "decimal.MaxValue", "1.000m"), false),
        new("bool", (r, _) => Pick(r, "true", "false"), false),
        new("char", (r, _) => Pick(r, "'a'", "'\"'", "'é'", "'\\u0000'", "'\\\\'"), false),
        new("global::System.DateTime", (r, _) => Pick(r,
            "new global::System.DateTime(2024, 2, 29, 23, 59, 59, global::System.DateTimeKind.Utc).AddTicks(1234567)",
            "new global::System.DateTime(2000, 1, 1, 12, 0, 0, global::System.DateTimeKind.Unspecified)",
            "global::System.DateTime.MinValue"), false),
        new("global::System.DateTimeOffset", (r, _) => Pick(r,
            "new global::System.DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, global::System.TimeSpan.FromHours(5.5))",
            "global::System.DateTimeOffset.UnixEpoch",
            "global::System.DateTimeOffset.MaxValue"), false),
        new("global::System.TimeSpan", (r, _) => Pick(r, "global::System.TimeSpan.FromTicks(-123456789)", "new global::System.TimeSpan(3, 4, 5, 6, 789)", "global::System.TimeSpan.Zero"), false),
        new("global::System.Guid", (r, _) => Pick(r, "global::System.Guid.Parse(\"0f8fad5b-d9cb-469f-a165-70867728950e\")", "global::System.Guid.Empty"), false),
        new("byte[]", (r, _) => Pick(r, "new byte[] { 0, 1, 255 }", "global::System.Array.Empty<byte>()"), true),
    ];

    /// <summary>One of the collection shapes the codecs handle, of <paramref name="element"/>.</summary>
    public static FuzzType Collection(Random random, FuzzType element)
    {
        const string Generic = "global::System.Collections.Generic.";
        string Items(Random r, int depth) =>
            depth > 2 ? "" : string.Join(", ", Enumerable.Range(0, r.Next(4)).Select(_ => element.Sample(r, depth + 1)));
        string Entries(Random r, int depth) =>
            depth > 2 ? "" : string.Join(", ", Enumerable.Range(0, r.Next(4)).Select(i => $"[{Pick(r, "\"k\"", "\"\"", "\"K é\"", "\"\\\"\"")} + \"{i}\"] = {element.Sample(r, depth + 1)}"));
        return random.Next(8) switch
        {
            0 => new($"{Generic}List<{element.Code}>", (r, d) => $"new {Generic}List<{element.Code}> {{ {Items(r, d)} }}", true),
            1 => new($"{element.Code}[]", (r, d) => $"new {element.Code}[] {{ {Items(r, d)} }}", true),
            2 => new($"{Generic}IReadOnlyList<{element.Code}>", (r, d) => $"new {element.Code}[] {{ {Items(r, d)} }}", true),
            3 => new($"{Generic}ICollection<{element.Code}>", (r, d) => $"new {Generic}List<{element.Code}> {{ {Items(r, d)} }}", true),
            4 => new($"{Generic}IEnumerable<{element.Code}>", (r, d) => $"new {Generic}List<{element.Code}> {{ {Items(r, d)} }}", true),
            5 => new($"{Generic}IReadOnlyCollection<{element.Code}>", (r, d) => $"new {Generic}List<{element.Code}> {{ {Items(r, d)} }}", true),
            6 => new($"{Generic}Dictionary<string, {element.Code}>", (r, d) => $"new {Generic}Dictionary<string, {element.Code}> {{ {Entries(r, d)} }}", true),
            _ => new($"{Generic}IReadOnlyDictionary<string, {element.Code}>", (r, d) => $"new {Generic}Dictionary<string, {element.Code}> {{ {Entries(r, d)} }}", true),
        };
    }

    /// <summary>What a member of this type is initialised to in a class, so nullable analysis has nothing to say.</summary>
    public string Initializer(Random random) => MayBeNull || !IsReference ? "" : $" = {Sample(random, 1)};";
}
