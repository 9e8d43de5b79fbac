using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Faustish.Generators.Serialization;

/// <summary>
/// Settles the class name of every codec in a compilation: <c>{Type}JsonCodec</c>, unless two types share that
/// name, in which case each of them takes a name with its namespace folded in (<c>Shop_Orders_LineJsonCodec</c>).
/// The outcome depends only on the set of types, never on the order they were found in. Tables compare by the names
/// they give, and <see cref="For(string[])"/> narrows one to the codecs a file names: a record's new property or a
/// new codec elsewhere leaves the tables of other files equal, so their output steps stay cached.
/// </summary>
internal sealed class JsonCodecNameTable : IEquatable<JsonCodecNameTable>
{
    /// <summary>The namespace of generated codecs.</summary>
    public const string Namespace = "Faustish.Generated.Codecs";

    // Type name -> (class name, hint name), in ordinal order of type name; what the table is compared by.
    private readonly EquatableArray<Entry> _entries;
    private readonly Dictionary<string, Entry> _byType;

    // A narrowed table answers only for these types (null: for any), so a file that asks about a type it was not
    // narrowed to fails loudly instead of silently taking the preferred name.
    private readonly HashSet<string>? _scope;

    private JsonCodecNameTable(IEnumerable<Entry> entries, HashSet<string>? scope)
    {
        _entries = entries.ToEquatableArray();
        _byType = _entries.ToDictionary(static e => e.TypeName, StringComparer.Ordinal);
        _scope = scope;
    }

    /// <summary>A table that knows no codecs: every type gets its preferred name.</summary>
    public static JsonCodecNameTable Empty { get; } = new([], null);

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
        var entries = new List<Entry>(distinct.Count);
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

            entries.Add(new Entry(model.TypeName, className, hint));
        }

        return new JsonCodecNameTable(entries, null);
    }

    /// <summary>This table narrowed to the codecs of <paramref name="typeNames"/> (types without a JSON codec are fine).</summary>
    public JsonCodecNameTable For(params string[] typeNames)
    {
        var scope = new HashSet<string>(typeNames, StringComparer.Ordinal);
        return new JsonCodecNameTable(_entries.Where(e => scope.Contains(e.TypeName)), scope);
    }

    /// <summary>This table narrowed to what <paramref name="model"/>'s codec file names: itself and the types of its members.</summary>
    public JsonCodecNameTable For(JsonCodecModel model)
    {
        var typeNames = new List<string> { model.TypeName };
        foreach (var property in model.Properties)
        {
            AddShape(typeNames, property.Shape);
        }

        AddShape(typeNames, model.ValueShape);
        return For(typeNames.ToArray());

        static void AddShape(List<string> typeNames, JsonTypeShape? shape)
        {
            for (; shape is not null; shape = shape.Element)
            {
                typeNames.Add(shape.TypeName);
            }
        }
    }

    /// <summary>The hint name of the file of <paramref name="model"/>'s codec; the model must be one the table was created with.</summary>
    public string HintName(JsonCodecModel model) => Find(model.TypeName)?.HintName
        ?? throw new InvalidOperationException($"No codec file is named for {model.TypeName}.");

    /// <summary>The codec class name (without namespace) of a type with a JSON codec.</summary>
    public string ClassName(string typeName, string preferredName) => Find(typeName)?.ClassName ?? preferredName;

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

    public bool Equals(JsonCodecNameTable? other) => other is not null && _entries.Equals(other._entries);

    public override bool Equals(object? obj) => Equals(obj as JsonCodecNameTable);

    public override int GetHashCode() => _entries.GetHashCode();

    private Entry? Find(string typeName)
    {
        if (_scope is not null && !_scope.Contains(typeName))
        {
            throw new InvalidOperationException($"This codec name table was narrowed to other types than {typeName}; widen the scope the generator gives the file.");
        }

        return _byType.TryGetValue(typeName, out var entry) ? entry : null;
    }

    private sealed record Entry(string TypeName, string ClassName, string HintName);
}
