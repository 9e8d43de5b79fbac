using System;
using System.Collections.Generic;
using System.Linq;

namespace Faustish.Generators.Serialization;

/// <summary>
/// Settles the class name of every codec in a compilation: <c>{Type}JsonCodec</c>, unless two types share that
/// name, in which case each of them takes a name with its namespace folded in (<c>Shop_Orders_LineJsonCodec</c>).
/// The outcome depends only on the set of types, never on the order they were found in.
/// </summary>
internal sealed class JsonCodecNameTable
{
    /// <summary>The namespace of generated codecs.</summary>
    public const string Namespace = "Faustish.Generated.Codecs";

    private readonly Dictionary<string, string> _names;

    private JsonCodecNameTable(Dictionary<string, string> names) => _names = names;

    /// <summary>A table that knows no codecs: every type gets its preferred name.</summary>
    public static JsonCodecNameTable Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

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

        return new JsonCodecNameTable(names);
    }

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
}
