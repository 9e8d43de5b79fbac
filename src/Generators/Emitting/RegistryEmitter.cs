using System.Linq;
using Faustish.Generators.Model;

namespace Faustish.Generators.Emitting;

/// <summary>
/// Emits the assembly's app model — every topic, table and agent — registered by a module initializer, so the
/// runtime finds them at start without reflection. The class is file-local in the global namespace: no type the user
/// declares can clash with it.
/// </summary>
internal static class RegistryEmitter
{
    public const string HintName = "Faustish.AppModel.g.cs";

    public static string Emit(RegistryModel model)
    {
        var writer = EmitHelpers.StartFile(null);
        writer.WriteLine("/// <summary>The topics, tables and agents of this assembly.</summary>");
        writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
        using (writer.Block("file static class FaustishAppModel"))
        {
            writer.WriteLine("/// <summary>Everything this assembly declares.</summary>");
            writer.WriteLine("public static global::Faustish.Agents.AppModel Model { get; } = new(");
            writer.Indent();
            WriteList(writer, model.Topics.Select(static name => name + ".Definition").ToArray(), ",");
            WriteList(writer, model.Tables.Select(static name => name + ".Definition").ToArray(), ",");
            WriteList(writer, model.Agents.Select(static name => name + ".Definition").ToArray(), ");");
            writer.Unindent();
            writer.WriteLine();
            writer.WriteLine("/// <summary>Adds this assembly's model to the app when the assembly loads.</summary>");
            writer.WriteLine("[global::System.Runtime.CompilerServices.ModuleInitializer]");
            writer.WriteLine("internal static void Register() => global::Faustish.Agents.AppModelRegistry.Register(Model);");
        }

        return writer.ToString();
    }

    private static void WriteList(Text.SourceWriter writer, string[] items, string terminator)
    {
        if (items.Length == 0)
        {
            writer.WriteLine("[]" + terminator);
            return;
        }

        writer.WriteLine("[");
        writer.Indent();
        foreach (var item in items)
        {
            writer.WriteLine(item + ",");
        }

        writer.Unindent();
        writer.WriteLine("]" + terminator);
    }
}
