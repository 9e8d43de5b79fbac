using System.Threading.Tasks;
using Faustish.Analyzers.Diagnostics;
using Verifier = Faustish.Analyzers.Tests.Infrastructure.Verify<Faustish.Analyzers.Analyzers.SerializationAnalyzer>;

namespace Faustish.Analyzers.Tests;

public sealed class SerializationAnalyzerTests
{
    [Fact]
    public async Task Supported_shapes_are_not_reported()
    {
        await Verifier.AnalyzerAsync("""
            public enum Kind { A, B }
            public readonly record struct Point(int X, int Y);
            public sealed record Line(string Sku, int Quantity, decimal Price, double? Weight);
            public sealed class Order
            {
                public Guid Id { get; init; }
                public Kind Kind { get; set; }
                public bool Paid { get; set; }
                public char Grade { get; set; }
                public float Ratio { get; set; }
                public DateTime Created { get; set; }
                public DateTimeOffset At { get; set; }
                public TimeSpan Took { get; set; }
                public byte[] Blob { get; set; } = [];
                public Line[] Lines { get; set; } = [];
                public List<Point> Points { get; set; } = new();
                public IReadOnlyList<Line> Read { get; set; } = [];
                public IList<int> Ints { get; set; } = new List<int>();
                public IEnumerable<string> Tags { get; set; } = [];
                public Dictionary<string, Line> ByName { get; set; } = new();
                public IReadOnlyDictionary<string, long>? Totals { get; set; }
                public Point? Where { get; set; }
                public static object Ignored => new();
            }

            [Topic("orders")]
            public sealed partial class Orders : Topic<Guid, Order>;

            [Table("order-totals")]
            public sealed partial class OrderTotals : Table<long, Line>;
            """);
    }

    [Fact]
    public async Task Interface_member_is_reported_with_its_path()
    {
        await Verifier.AnalyzerAsync("""
            public interface IShape { }
            public sealed record Drawing(string Name, List<Layer> Layers);
            public sealed record Layer(IShape Shape);

            [Topic("drawings")]
            public sealed partial class Drawings : Topic<string, {|#0:Drawing|}>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(0)
                .WithArguments("value", "Drawings", "Drawing.Layers[].Shape",
                    "has type 'IShape', which is an interface; use a concrete type, or List<T>, IReadOnlyList<T> or Dictionary<string, T>"));
    }

    [Theory]
    [InlineData("object", "Holder.Member", "object", "a type whose shape is unknown (use a concrete type)")]
    [InlineData("Action", "Holder.Member", "Action", "a delegate")]
    [InlineData("Dictionary<int, string>", "Holder.Member", "Dictionary<int, string>", "a dictionary whose keys are not strings (JSON object keys are strings)")]
    [InlineData("AbstractThing", "Holder.Member", "AbstractThing", "abstract; the codec cannot choose a concrete type to create")]
    [InlineData("int[,]", "Holder.Member", "int[,]", "a multi-dimensional array")]
    [InlineData("Uri", "Holder.Member", "Uri", "a framework type the generated codecs do not handle")]
    [InlineData("List<dynamic>", "Holder.Member[]", "dynamic", "a type whose shape is unknown (use a concrete type)")]
    public async Task Unsupported_member_types_are_reported(string memberType, string path, string display, string reason)
    {
        await Verifier.AnalyzerAsync($$"""
            public abstract class AbstractThing { }
            public sealed class Holder { public {{memberType}} Member { get; set; } = default!; }

            [Table("holders")]
            public sealed partial class Holders : Table<string, {|#0:Holder|}>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(0).WithArguments("value", "Holders", path, $"has type '{display}', which is {reason}"));
    }

    [Fact]
    public async Task Pointer_member_and_interface_key_are_reported()
    {
        await Verifier.AnalyzerAsync("""
            public unsafe struct Raw { public int* Pointer { get; set; } }

            [Topic("raw")]
            public sealed partial class Raws : Topic<{|#0:IComparable|}, {|#1:Raw|}>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(0)
                .WithArguments("key", "Raws", "IComparable",
                    "is an interface; use a concrete type, or List<T>, IReadOnlyList<T> or Dictionary<string, T>"),
            Verifier.Diagnostic(DiagnosticDescriptors.UnsupportedType).WithLocation(1)
                .WithArguments("value", "Raws", "Raw.Pointer", "has type 'int*', which is a pointer"));
    }

    [Fact]
    public async Task Cycle_is_reported_naming_the_member_that_closes_it()
    {
        await Verifier.AnalyzerAsync("""
            public sealed class Employee { public string Name { get; set; } = ""; public Team? Team { get; set; } }
            public sealed class Team { public List<Employee> Members { get; set; } = new(); }

            [Topic("employees")]
            public sealed partial class Employees : Topic<string, {|#0:Employee|}>;
            """,
            Verifier.Diagnostic(DiagnosticDescriptors.CyclicType).WithLocation(0)
                .WithArguments("value", "Employees", "Employee.Team.Members[]", "Employee"));
    }

    [Fact]
    public async Task Same_type_twice_without_a_cycle_is_not_reported()
    {
        await Verifier.AnalyzerAsync("""
            public sealed record Address(string Street);
            public sealed record Customer(Address Home, Address Work, List<Address> Others);

            [Topic("customers")]
            public sealed partial class Customers : Topic<string, Customer>;
            """);
    }
}
