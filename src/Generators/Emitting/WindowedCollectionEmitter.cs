using Faustish.Generators.Model;
using Faustish.Generators.Text;

namespace Faustish.Generators.Emitting;

/// <summary>
/// For a windowed table whose value a collection expression builds (<c>List&lt;T&gt;</c>, <c>T[]</c>, …): indexers whose
/// type, <c>KeyWindows</c>, is a collection-expression target with the value's elements, so
/// <c>perWindow[key, at] = [.. events, sample];</c> compiles as it does for a plain table. The base class's indexers
/// have the window set as their type, which C# cannot build from a collection expression (CS9174).
/// </summary>
internal static class WindowedCollectionEmitter
{
    public static void Emit(SourceWriter writer, TableModel table)
    {
        if (table.Window is null || table.CollectionValue is not { } collection)
        {
            return;
        }

        var element = collection.Element;
        var key = table.Key.FullyQualifiedName;
        var value = table.Value.FullyQualifiedName;
        var set = $"global::Faustish.WindowSet<{key}, {value}>";

        writer.WriteLine();
        writer.WriteLine("/// <summary>The windows of <paramref name=\"key\"/> at the table's reference time; takes a value or a collection expression.</summary>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        using (writer.Block($"public new KeyWindows this[{key} key]"))
        {
            writer.WriteLine("get => new(base[key]);");
            writer.WriteLine("set => base[key] = value.Set;");
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>The windows of <paramref name=\"key\"/> that contain <paramref name=\"at\"/>; takes a value or a collection expression.</summary>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        using (writer.Block($"public new KeyWindows this[{key} key, global::System.DateTimeOffset at]"))
        {
            writer.WriteLine("get => new(base[key, at]);");
            writer.WriteLine("set => base[key, at] = value.Set;");
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// A key's windows, as <see cref=\"global::Faustish.WindowSet{{TKey, TValue}}\"/> with this table's types, that a collection");
        writer.WriteLine("/// expression builds: <c>table[key] = [.. items, item];</c> replaces the value of the key's windows. Enumerating it");
        writer.WriteLine("/// enumerates the value at the table's reference time.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        writer.WriteLine("[global::System.Runtime.CompilerServices.CollectionBuilder(typeof(KeyWindows), nameof(KeyWindows.Create))]");
        using (writer.Block($"public readonly struct KeyWindows : global::System.Collections.Generic.IEnumerable<{element}>"))
        {
            writer.WriteLine("/// <summary>Wraps the base class's window set.</summary>");
            writer.WriteLine($"public KeyWindows({set} set) => Set = set;");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The window set the base class's indexers take and give.</summary>");
            writer.WriteLine($"public {set} Set {{ get; }}");
            writer.WriteLine();
            writer.WriteLine("/// <summary>Builds the value from a collection expression's elements, as the value type's own collection expression does.</summary>");
            using (writer.Block($"public static KeyWindows Create(global::System.ReadOnlySpan<{element}> items)"))
            {
                writer.WriteLine($"{value} value = [.. items];");
                writer.WriteLine($"return new({set}.Replacing(value));");
            }

            writer.WriteLine();
            if (!collection.IsInterface)
            {
                // C# allows no user-defined conversion from an interface: such values are set through Create only.
                writer.WriteLine("/// <summary>A value to set (<c>=</c>) in the key's windows.</summary>");
                writer.WriteLine($"public static implicit operator KeyWindows({value} value) => new({set}.Replacing(value));");
                writer.WriteLine();
            }

            writer.WriteLine("/// <summary>The window set behind <paramref name=\"windows\"/>.</summary>");
            writer.WriteLine($"public static implicit operator {set}(KeyWindows windows) => windows.Set;");
            writer.WriteLine();
            writer.WriteLine("/// <summary>Merges <paramref name=\"value\"/> into the key's windows (<c>+=</c>), with the table's Merge.</summary>");
            writer.WriteLine($"public static KeyWindows operator +(KeyWindows windows, {value} value) => new(windows.Set + value);");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The value of the window at the table's reference time (or the indexer's time).</summary>");
            writer.WriteLine($"public {value} Value() => Set.Value();");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The value of the window of the event being processed.</summary>");
            writer.WriteLine($"public {value} Current() => Set.Current();");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The value of the window of the wall clock.</summary>");
            writer.WriteLine($"public {value} Now() => Set.Now();");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The value of the window <paramref name=\"delta\"/> before the reference time.</summary>");
            writer.WriteLine($"public {value} Delta(global::System.TimeSpan delta) => Set.Delta(delta);");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The elements of <see cref=\"Value\"/>; none when the key has no value there.</summary>");
            writer.WriteLine($"public global::System.Collections.Generic.IEnumerator<{element}> GetEnumerator() =>");
            writer.WriteLine($"    ((global::System.Collections.Generic.IEnumerable<{element}>?)Value() ?? global::System.Array.Empty<{element}>()).GetEnumerator();");
            writer.WriteLine();
            writer.WriteLine("global::System.Collections.IEnumerator global::System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();");
            writer.WriteLine();
            writer.WriteLine("/// <inheritdoc/>");
            writer.WriteLine("public override string ToString() => Set.ToString();");
        }
    }
}
