using Faustish.Generators.Model;

namespace Faustish.Generators.Emitting;

/// <summary>
/// Emits a constructor for a topic or table class the generator cannot serve. The build fails on the analyzer's
/// error anyway; this only keeps a compiler error in the class from hiding that message.
/// </summary>
internal static class StandInEmitter
{
    public static string Emit(StandInModel standIn)
    {
        var writer = EmitHelpers.StartFile(standIn.Target);

        // The types may be what is wrong (a nullable table key): their warnings are the analyzer's to explain.
        writer.WriteLine("#nullable disable warnings");
        writer.WriteLine();
        using (EmitHelpers.OpenClass(writer, standIn.Target))
        {
            writer.WriteLine($"// Not usable: {EmitHelpers.XmlText(standIn.Reason)}. See the Faustish diagnostic on this class.");
            writer.WriteLine(EmitHelpers.GeneratedCodeAttribute);
            writer.WriteLine($"private {standIn.Target.ClassName}({standIn.ParameterType} unused)");
            writer.WriteLine($"    : base({standIn.BaseArguments})");
            writer.WriteLine("{");
            writer.WriteLine("}");
        }

        return writer.ToString();
    }
}
