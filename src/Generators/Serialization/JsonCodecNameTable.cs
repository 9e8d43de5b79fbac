using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Faustish.Generators.Serialization;

/// <summary>
/// Settles the class name of every codec in a compilation: <c>{Type}JsonCodec</c>, unless two types share that
/// name, in which case each of them takes a name with its namespace folded in (<c>Shop_Orders_LineJsonCodec</c>).
/// The outcome depends only on the set of types, never on the order they were found in, and equal sets give equal
/// tables: a record's new property changes its codec, not the names every topic and table file is written with.
/// </summary>
internal sealed class JsonCodecNameTable : IEquatable<JsonCodecNameTable>
{
    /// <summary>The namespace of generated codecs.</summary>
    public const string Namespace = "Faustish.Generated.Codecs";

    private readonly EquatableArray<CodecName> _keys;
    private readonly Dictionary<string, string> _names;
    private readonly Dictionary<string, string> _hintNames;

    private JsonCodecNameTable(EquatableArray<CodecName> keys, Dictionary<string, string> names, Dictionary<string, string> hintNames)
    {
        _keys = keys;
        _names = names;
        _hintNames = hintNames;
    }

    /// <summary>A table that knows no codecs: every type gets its preferred name.</summary>
    public static JsonCodecNameTable Empty { get; } = new(default, new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>Names the codecs of <paramref name="models"/> (duplicates of one type are fine).</summary>
    public static JsonCodecNameTable Create(IEnumerable<JsonCodecModel> models)
    {
        var distinct = models
            .GroupBy(m => m.TypeName, StringComparer.Ordinal)
            .Select(g => g.First())
            .OrderBy(m => m.TypeName, StringComparer.Ordinal)
            .ToList();

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in distinct.GroupBy(m => m.PreferredName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (group.Count() == 1)
            {
                var only = group.First();
                names[only.TypeName] = only.PreferredName;
                taken.Add(only.PreferredName);
            }
        }

        foreach (var model in distinct.Where(m => !names.ContainsKey(m.TypeName)))
        {
            var name = model.QualifiedName;
            for (var i = 2; !taken.Add(name); i++)
            {
                name = model.QualifiedName.Substring(0, model.QualifiedName.Length - "JsonCodec".Length) + "_" + i + "JsonCodec";
            }

            names[model.TypeName] = name;
        }

        // Files are {Type}.JsonCodec.g.cs, made unique ignoring case (Roslyn compares hint names so), in ordinal order.
        var hintNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var hints = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in distinct)
        {
            var className = names[model.TypeName];
            var stem = className.EndsWith("JsonCodec", StringComparison.Ordinal) ? className.Substring(0, className.Length - "JsonCodec".Length) : className;
            var hint = stem + ".JsonCodec.g.cs";
            for (var i = 2; !hints.Add(hint); i++)
            {
                hint = stem + "_" + i.ToString(CultureInfo.InvariantCulture) + ".JsonCodec.g.cs";
            }

            hintNames[model.TypeName] = hint;
        }

        var keys = distinct.Select(static m => new CodecName(m.TypeName, m.PreferredName, m.QualifiedName)).ToEquatableArray();
        return new JsonCodecNameTable(keys, names, hintNames);
    }

    /// <summary>The hint name of the file of <paramref name="model"/>'s codec; the model must be one the table was created with.</summary>
    public string HintName(JsonCodecModel model) => _hintNames[model.TypeName];

    /// <summary>The codec class name (without namespace) of a type with a JSON codec.</summary>
    public string ClassName(string typeName, string preferredName) =>
        _names.TryGetValue(typeName, out var name) ? name : preferredName;

    /// <inheritdoc cref="ClassName(string, string)"/>
    public string ClassName(JsonCodecModel model) => ClassName(model.TypeName, model.PreferredName);

    /// <summary>The <c>global::</c>-qualified codec class of a type with a JSON codec.</summary>
    public string QualifiedClassName(string typeName, string preferredName) => $"global::{Namespace}.{ClassName(typeName, preferredName)}";

    /// <summary>
    /// The C# expression for a key or value codec: a <c>PrimitiveCodecs</c> member, or the generated codec's
    /// <c>Instance</c>. Its type implements <c>IRecordCodec&lt;T&gt;</c>.
    /// </summary>
    public string CodecExpression(JsonCodecReference reference) =>
        reference.PrimitiveExpression ?? QualifiedClassName(reference.TypeName, reference.PreferredName) + ".Instance";

    public bool Equals(JsonCodecNameTable? other) => other is not null && _keys.Equals(other._keys);

    public override bool Equals(object? obj) => Equals(obj as JsonCodecNameTable);

    public override int GetHashCode() => _keys.GetHashCode();

    /// <summary>All that names a codec: its type and the two names it may take.</summary>
    private readonly record struct CodecName(string TypeName, string PreferredName, string QualifiedName);
}
