using System;
using System.Collections.Generic;
using System.Linq;

namespace Faustish.Generators.Emitting;

/// <summary>
/// Settles the hint name of every generated file of the classes of a compilation. Roslyn compares hint names ignoring
/// case (file systems may), so <c>UserIds</c> and <c>UserIDs</c> must not both become <c>UserIds.Topic.g.cs</c>: the
/// first in ordinal order keeps its name, the others get <c>_2</c>, <c>_3</c>... The outcome depends only on the set of
/// names, never on the order they were found in, and equal sets give equal tables (so the step caches).
/// </summary>
internal sealed class HintNameTable : IEquatable<HintNameTable>
{
    private readonly EquatableArray<string> _keys;
    private readonly Dictionary<string, string> _names;

    private HintNameTable(EquatableArray<string> keys, Dictionary<string, string> names)
    {
        _keys = keys;
        _names = names;
    }

    /// <summary>Names the files of the classes with hint keys <paramref name="keys"/> (duplicates are fine).</summary>
    public static HintNameTable Create(IEnumerable<string> keys)
    {
        var distinct = keys.Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToEquatableArray();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(distinct, StringComparer.OrdinalIgnoreCase);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in distinct)
        {
            var name = key.Length == 0 ? "_" : key;
            if (!used.Add(name))
            {
                for (var i = 2; ; i++)
                {
                    var candidate = name + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!taken.Contains(candidate) && used.Add(candidate))
                    {
                        name = candidate;
                        break;
                    }
                }
            }

            names[key] = name;
        }

        return new HintNameTable(distinct, names);
    }

    /// <summary>The hint name of the file of <paramref name="concern"/> (Topic, Table, Agent, StandIn) for a class.</summary>
    public string HintName(string hintKey, string concern) =>
        (_names.TryGetValue(hintKey, out var name) ? name : hintKey) + "." + concern + ".g.cs";

    public bool Equals(HintNameTable? other) => other is not null && _keys.Equals(other._keys);

    public override bool Equals(object? obj) => Equals(obj as HintNameTable);

    public override int GetHashCode() => _keys.GetHashCode();
}
