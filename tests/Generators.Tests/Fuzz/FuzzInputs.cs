using System;
using System.Collections.Generic;
using System.Linq;

namespace Faustish.Generators.Tests.Fuzz;

/// <summary>
/// The fuzz inputs, built deterministically from a seed: case <c>i</c> runs scenario <c>i mod n</c> with a random
/// generator seeded from the seed and <c>i</c>, so every scenario runs several times, each time on a different app
/// (types, nesting, files, namespaces, nullability, keywords and unicode in names). Valid scenarios must compile
/// clean with every class in the app model; invalid ones add one mistake and name the diagnostic it must get.
/// </summary>
internal static class FuzzInputs
{
    private delegate void Scenario(FuzzApp app);

    private static readonly (string Name, Scenario Build)[] Scenarios =
    [
        // ---- valid ----
        ("valid: an app of random types", app => Basic(app)),
        ("valid: an app of random types, again", app => Basic(app)),
        ("valid: nested in a static partial class", app => Nested(app, "public static partial class {0}")),
        ("valid: nested in a partial class, record, struct or interface", app => Nested(app,
            app.Pick(["internal partial class {0}", "public partial record {0}", "public partial struct {0}", "public partial interface {0}", "public sealed partial class {0}"]))),
        ("valid: partial declarations over several files", SplitOverFiles),
        ("valid: names that differ only in case", CaseCollisions),
        ("valid: keywords as names", Keywords),
        ("valid: unicode names", Unicode),
        ("valid: generic records and records nested in generic classes", app => ValueOfShape(app, app.Pick([7, 8]))),
        ("valid: string and [Flags] enums", Enums),
        ("valid: a record without members", app => ValueOfShape(app, 9)),
        ("valid: user types named like generated members", GeneratedNames),
        ("valid: nullable keys and values", Nullables),
        ("valid: windowed and global tables", Tables),
        ("valid: records in a System.* namespace", app => { app.Namespace = "System.Shop"; Basic(app); }),
        ("valid: record class agents", app => Basic(app, recordAgents: true)),
        ("valid: a topic through a base class that keeps the constructor", IntermediateBase),
        ("valid: one simple name in two namespaces", TwoNamespaces),
        ("valid: members the analyzer used to reject", app => ValueOfShape(app, app.Pick([6, 11]))),
        ("valid: obsolete types", Obsolete),
        ("valid: event time from a value's member or a topic's method", EventTimes),

        // ---- invalid: declarations ----
        ("invalid: class not partial", app => Broken(app, "FSH0001", $"[Topic(\"np\")]\npublic sealed class {app.Name("NotPartial")} : Topic<string, long>;")),
        ("invalid: topic deriving from Table", app => Broken(app, "FSH0002", $"[Topic(\"wb\")]\npublic sealed partial class {app.Name("WrongBase")} : Table<string, long>;")),
        ("invalid: record topic", app => Broken(app, "FSH0002", $"[Topic(\"rt\")]\npublic sealed partial record {app.Name("RecordTopic")} : Topic<string, long>;")),
        ("invalid: base class without the generated constructor's", app =>
        {
            var name = app.Name("Audited");
            app.Declare($"public abstract class {name}<T> : Topic<string, T>\n{{\n    protected {name}() : base(null!, null!) {{ }}\n}}");
            Broken(app, "FSH0002", $"[Topic(\"ib\")]\npublic sealed partial class {app.Name("Through")} : {name}<long>;");
        }),
        ("invalid: record struct agent", app => BrokenAgent(app, "FSH0002", "public partial record struct {0}", processBody: true)),
        ("invalid: topic declares a constructor", app =>
        {
            var name = app.Name("WithCtor");
            Broken(app, "FSH0003", $"[Topic(\"ct\")]\npublic sealed partial class {name} : Topic<string, long>\n{{\n    public {name}() : base(null!, null!) {{ }}\n}}");
        }),
        ("invalid: generic topic", app => Broken(app, "FSH0004", $"[Topic(\"gt\")]\npublic sealed partial class {app.Name("Generic")}<T> : Topic<string, T>;")),
        ("invalid: agent nested in a generic class", app => BrokenNestedAgent(app, "FSH0004", "public partial class {0}<T>")),
        ("invalid: [Topic] and [Agent] on one class", SeveralRoles),
        ("invalid: nested in a class that is not partial", app => BrokenNestedAgent(app, "FSH0006", "public static class {0}")),
        ("invalid: private nested topic", app => BrokenNested(app, "FSH0007", "public partial class {0}", "[Topic(\"pn\")]\nprivate sealed partial class {0} : Topic<string, long>;")),
        ("invalid: protected nested table", app => BrokenNested(app, "FSH0007", "public partial class {0}", "[Table(\"pt\")]\nprotected sealed partial class {0} : Table<string, long>;")),
        ("invalid: file-local agent", app => BrokenAgent(app, "FSH0007", "file sealed partial class {0}", processBody: true)),
        ("invalid: file-local topic or table", app => Broken(app, "FSH0007", app.Chance(50)
            ? $"[Topic(\"fl\")]\nfile sealed partial class {app.Name("FileTopic")} : Topic<string, long>;"
            : $"[Table(\"flt\")]\nfile sealed partial class {app.Name("FileTable")} : Table<string, long>;")),
        ("invalid: abstract topic", app => Broken(app, "FSH0008", $"[Topic(\"ab\")]\npublic abstract partial class {app.Name("Abstract")} : Topic<string, long>;")),
        ("invalid: abstract table", app => Broken(app, "FSH0008", $"[Table(\"abt\")]\npublic abstract partial class {app.Name("AbstractTable")} : Table<string, long>;")),
        ("invalid: abstract or static agent", app => BrokenAgent(app, "FSH0008", app.Pick(["public abstract partial class {0}", "public static partial class {0}"]), processBody: true)),
        ("invalid: a class named Definition", app => Broken(app, "FSH0009", $"[Topic(\"definitions\")]\npublic sealed partial class {app.Claim("Definition")} : Topic<string, long>;")),
        ("invalid: a member named Definition", app => BrokenAgent(app, "FSH0009", "public sealed partial class {0}", processBody: true, extra: "public static string Definition => \"mine\";")),
        ("invalid: required members", app =>
        {
            if (app.Chance(50))
            {
                BrokenAgent(app, "FSH0011", "public sealed partial class {0}", processBody: true, extra: "public required string Label { get; init; }");
            }
            else
            {
                Broken(app, "FSH0011", $"[Table(\"rq\")]\npublic sealed partial class {app.Name("Required")} : Table<string, long>\n{{\n    public required int Size {{ get; init; }}\n}}");
            }
        }),
        ("invalid: a type in the generated codecs' namespace", app =>
        {
            Basic(app, small: true);
            app.AddFile(app.Chance(50)
                ? "namespace Faustish.Generated.Codecs;\n\npublic sealed class Mine\n{\n}\n"
                : "namespace Faustish;\n\npublic static class Generated\n{\n}\n");
            app.Expect("FSH0010");
        }),

        // ---- invalid: agents ----
        ("invalid: agent without a processing method", app => BrokenAgent(app, "FSH0100", "public sealed partial class {0}", processBody: false, extra: "public void Handle(string key, long value) { }")),
        ("invalid: agent with two processing methods", app => BrokenAgent(app, "FSH0101", "public sealed partial class {0}", processBody: true, extra: "public void ProcessAsync(string key, long value) { }")),
        ("invalid: processing method that does not match its topic", app => BrokenAgent(app, "FSH0102", "public sealed partial class {0}", process: "public void Process(int key, long value) { }")),
        ("invalid: processing method returning int", app => BrokenAgent(app, "FSH0103", "public sealed partial class {0}", process: "public int Process(string key, long value) => 0;")),
        ("invalid: async void processing method", app => BrokenAgent(app, "FSH0104", "public sealed partial class {0}", process: "public async void Process(string key, long value) => await global::System.Threading.Tasks.Task.Yield();")),
        ("invalid: agent of something that is not a topic", app => BrokenAgent(app, "FSH0105", "public sealed partial class {0}", processBody: true,
            topic: app.Pick(["typeof(int[])", "typeof(string)", "null", "typeof(global::System.Collections.Generic.List<>)"]))),
        ("invalid: blocking call in an agent", app => BrokenAgent(app, "FSH0106", "public sealed partial class {0}", process: "public void Process(string key, long value) => global::System.Threading.Thread.Sleep(1);")),
        ("invalid: private or generic processing method", app => BrokenAgent(app, "FSH0107", "public sealed partial class {0}",
            process: app.Pick(["private void Process(string key, long value) { }", "public void Process<T>(string key, long value) { }", "public static void Process(string key, long value) { }"]))),
        ("invalid: ref, out or Span constructor parameter", app => BrokenAgent(app, "FSH0108", "public sealed partial class {0}", processBody: true,
            constructor: app.Pick(["(ref int counter)", "(out int counter)", "(global::System.Span<byte> scratch)", "(ref readonly int counter)"]))),
        ("invalid: agent with two constructors or only a private one", app => BrokenAgent(app, "FSH0109", "public sealed partial class {0}", processBody: true,
            extra: app.Pick(["public {0}() { }\n    public {0}(int size) { }", "private {0}() { }"]))),
        ("invalid: two agents of one name", DuplicateAgents),
        ("invalid: Concurrency below one", app => BrokenAgent(app, "FSH0504", "public sealed partial class {0}", processBody: true, settings: app.Pick([", Concurrency = 0", ", Concurrency = -4", ", Concurrency = int.MinValue"]))),
        ("invalid: agent name with a space", app => BrokenAgent(app, "FSH0505", "public sealed partial class {0}", processBody: true, settings: ", Name = \"count views\"")),
        ("invalid: default agent name from a unicode class name", app => BrokenAgent(app, "FSH0505", "public sealed partial class {0}", processBody: true, name: app.Name("Größe"))),
        ("invalid: agent takes a table that is not [Table]", app =>
        {
            var name = app.Name("Plain");
            app.Declare($"public sealed class {name} : Table<string, long>\n{{\n    private {name}() : base(null!) {{ }}\n}}");
            BrokenAgent(app, "FSH0207", "public sealed partial class {0}", processBody: true, constructor: $"({app.Qualify(name)} plain)", uses: "_ = plain;");
        }),

        ("invalid: agent takes a topic that is not [Topic]", app =>
        {
            var name = app.Name("PlainTopic");
            app.Declare($"public sealed class {name} : Topic<string, long>\n{{\n    private {name}() : base(null!, null!) {{ }}\n}}");
            BrokenAgent(app, "FSH0303", "public sealed partial class {0}", processBody: true, constructor: $"({app.Qualify(name)} sink)", uses: "_ = sink;");
        }),
        ("invalid: table value changed in place", app =>
        {
            var table = app.Name("Lists");
            app.Declare($"[Table({FuzzApp.Literal(app.Name("lists-").ToLowerInvariant())})]\npublic sealed partial class {table} : Table<string, global::System.Collections.Generic.List<string>>;");
            BrokenAgent(app, "FSH0206", "public sealed partial class {0}", constructor: $"({app.Qualify(table)} lists)",
                process: "public void Process(string key, long value) => lists[key].Add(\"seen\");");
        }),

        // ---- invalid: topics and tables ----
        ("invalid: topic name that Kafka rejects", app => Broken(app, "FSH0300", $"[Topic({FuzzApp.Literal(app.Pick(["bad name!", "line\nbreak", "", "..", new string('x', 250), "quote\"</c>"]))})]\npublic sealed partial class {app.Name("BadName")} : Topic<string, long>;")),
        ("invalid: table name that Kafka rejects", app => Broken(app, "FSH0200", $"[Table({FuzzApp.Literal(app.Pick(["bad name!", "tab\there", "ü"]))})]\npublic sealed partial class {app.Name("BadTable")} : Table<string, long>;")),
        ("invalid: topic with no partitions", app => Broken(app, "FSH0301", $"[Topic(\"zero\", Partitions = {app.Pick(["0", "-3", "int.MinValue"])})]\npublic sealed partial class {app.Name("Zero")} : Topic<string, long>;")),
        ("invalid: table with negative partitions", app => Broken(app, "FSH0201", $"[Table(\"neg\", Partitions = -1)]\npublic sealed partial class {app.Name("Negative")} : Table<string, long>;")),
        ("invalid: two topics of one name", app => Broken(app, "FSH0302",
            $"[Topic(\"same\")]\npublic sealed partial class {app.Name("Same")} : Topic<string, long>;\n\n[Topic(\"same\")]\npublic sealed partial class {app.Name("Same")} : Topic<string, long>;")),
        ("invalid: two tables of one name", app => Broken(app, "FSH0202",
            $"[Table(\"same\")]\npublic sealed partial class {app.Name("Same")} : Table<string, long>;\n\n[Table(\"same\")]\npublic sealed partial class {app.Name("Same")} : Table<string, long>;")),
        ("invalid: table written outside an agent", TableWrittenOutside),
        ("invalid: table partitions differ from the agent's topic", PartitionMismatch),
        ("invalid: table written by agents of topics with different partition counts", app =>
        {
            Basic(app, small: true);
            var table = app.Name("Shared");
            app.Declare($"[Table(\"shared\")]\npublic sealed partial class {table} : Table<string, long>;");
            foreach (var partitions in new[] { 4, 8 })
            {
                var topic = app.Name("Events");
                app.Declare($"[Topic(\"events-{partitions}\", Partitions = {partitions})]\npublic sealed partial class {topic} : Topic<string, long>;");
                app.Declare($"[Agent(typeof({app.Qualify(topic)}))]\npublic sealed partial class {app.Name("Count")}({app.Qualify(table)} counts)\n{{\n    public void Process(string key, long value) => counts[key] += value;\n}}");
            }

            app.Expect("FSH0205");
        }),
        ("invalid: nullable table key", app => Broken(app, "FSH0208", $"[Table(\"nk\")]\npublic sealed partial class {app.Name("NullableKey")} : Table<{app.Pick(["string?", "int?", "global::System.Guid?"])}, long>;")),
        ("invalid: window that does not parse", app => Broken(app, "FSH0500", $"[Table(\"w\", Window = {FuzzApp.Literal(app.Pick(["tumbling 1x", "weekly 1d", "hopping 1m every 2m", ""]))})]\npublic sealed partial class {app.Name("BadWindow")} : WindowedTable<string, long>;")),
        ("invalid: Expires that does not parse", app => Broken(app, "FSH0501", $"[Table(\"e\", Window = \"tumbling 1m\", Expires = \"soon\")]\npublic sealed partial class {app.Name("BadExpires")} : WindowedTable<string, long>;")),
        ("invalid: retention shorter than size plus grace", app => Broken(app, "FSH0502", $"[Table(\"g\", Window = \"tumbling 1h grace 10m\", Expires = \"1h\")]\npublic sealed partial class {app.Name("Short")} : WindowedTable<string, long>;")),
        ("invalid: Expires without Window", app => Broken(app, "FSH0503", $"[Table(\"x\", Expires = \"1h\")]\npublic sealed partial class {app.Name("NoWindow")} : Table<string, long>;")),
        ("invalid: window that does not match the base class", app => Broken(app, "FSH0506", app.Chance(50)
            ? $"[Table(\"wm\", Window = \"tumbling 1m\")]\npublic sealed partial class {app.Name("Mismatch")} : Table<string, long>;"
            : $"[Table(\"wm\")]\npublic sealed partial class {app.Name("Mismatch")} : WindowedTable<string, long>;")),
        ("invalid: Timestamp that names nothing that gives event times", app =>
        {
            Basic(app, small: true);
            var reading = app.Name("Reading");
            app.Declare($"public sealed record {reading}(string Sensor, string When, global::System.DateTimeOffset? Maybe)\n{{\n    private long Hidden => 0;\n}}");
            var (member, body) = app.Pick([
                ("When", ";"), ("Maybe", ";"), ("Hidden", ";"), ("Missing", ";"),
                ("EventTime", "\n{\n    public long EventTime(string key, long recordTimestampMs) => recordTimestampMs;\n}"),
            ]);
            var topic = app.Name("Readings");
            app.Declare($"[Topic({FuzzApp.Literal(app.Name("readings-").ToLowerInvariant())}, Timestamp = {FuzzApp.Literal(member)})]\npublic sealed partial class {topic} : Topic<string, {app.Qualify(reading)}>{body}");
            app.Agent(new FuzzTopic(app.Qualify(topic), FuzzType.String, new FuzzType(app.Qualify(reading), static (_, _) => "null!", isReference: true)), []);
            app.Expect("FSH0512");
        }),
        ("invalid: table setting out of range", app => Broken(app, "FSH0507",
            $"[Table(\"s\", Window = \"tumbling 1m\", {app.Pick(["Late = (LateEvents)7", "Late = (LateEvents)(-1)", "CloseOn = 0", "CloseOn = (WindowClose)8", "RelativeTo = (WindowTime)2"])})]\npublic sealed partial class {app.Name("Setting")} : WindowedTable<string, long>;")),

        // ---- invalid: types the codecs cannot serve ----
        ("invalid: member of type object, an interface, a delegate or Uri", app => BrokenType(app, "FSH0400",
            $"public sealed record {{0}}(string Name, {app.Pick(["object Payload", "global::System.IComparable Payload", "global::System.Action Payload", "global::System.Uri Payload", "int[,] Payload", "global::System.Collections.Generic.Dictionary<int, string> Payload"])});")),
        ("invalid: abstract member type", app =>
        {
            var shape = app.Name("Shape");
            app.Declare($"public abstract record {shape};");
            BrokenType(app, "FSH0400", $"public sealed record {{0}}({app.Qualify(shape)} Shape);");
        }),
        ("invalid: type that contains itself", app => BrokenType(app, "FSH0401", "public sealed record {0}(string Name, global::System.Collections.Generic.List<{0}> Children);")),
        ("invalid: custom [JsonConverter]", app =>
        {
            var converter = app.Name("Converter");
            app.Declare($"public sealed class {converter} : JsonConverter<string>\n{{\n    public override string Read(ref System.Text.Json.Utf8JsonReader reader, Type type, System.Text.Json.JsonSerializerOptions options) => \"\";\n\n    public override void Write(System.Text.Json.Utf8JsonWriter writer, string value, System.Text.Json.JsonSerializerOptions options) {{ }}\n}}");
            BrokenType(app, "FSH0400", app.Chance(50)
                ? $"public sealed record {{0}}([property: JsonConverter(typeof({app.Qualify(converter)}))] string Name);"
                : $"[JsonConverter(typeof({app.Qualify(converter)}))]\npublic sealed record {{0}}(string Name);");
        }),
        ("invalid: [JsonPolymorphic]", app => BrokenType(app, "FSH0400", "[JsonPolymorphic]\npublic record {0}(string Name);")),
        ("invalid: [JsonIgnore] on a required member", app => BrokenType(app, "FSH0400", "public sealed class {0}\n{\n    [JsonIgnore]\n    public required string Name { get; init; }\n}")),
        ("invalid: [JsonInclude] on a field", app => BrokenType(app, "FSH0400", "public sealed class {0}\n{\n    [JsonInclude]\n    public int Count;\n}")),
        ("invalid: two [JsonConstructor]s", app => BrokenType(app, "FSH0400", "public sealed class {0}\n{\n    [JsonConstructor]\n    public {0}(int count) => Count = count;\n\n    [JsonConstructor]\n    public {0}(long count) => Count = (int)count;\n\n    public int Count { get; }\n}")),
        ("invalid: several public constructors", app => BrokenType(app, "FSH0400", "public sealed class {0}\n{\n    public {0}(int count) => Count = count;\n\n    public {0}(string text) => Count = text.Length;\n\n    public int Count { get; }\n}")),
        ("invalid: constructor parameter without a property", app => BrokenType(app, "FSH0400", "public sealed class {0}\n{\n    public {0}(int count) => Total = count;\n\n    public int Total { get; }\n}")),
        ("invalid: [JsonNumberHandling]", app => BrokenType(app, "FSH0400", app.Chance(50)
            ? "[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]\npublic sealed record {0}(int Count);"
            : "public sealed record {0}([property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] int Count);")),
        ("invalid: JSON names that clash", app => BrokenType(app, "FSH0400", app.Pick([
            "public sealed record {0}([property: JsonPropertyName(\"n\")] string A, [property: JsonPropertyName(\"n\")] string B);",
            "public sealed record {0}([property: JsonPropertyName(\"name\")] string A, [property: JsonPropertyName(\"NAME\")] string B);",
            "public sealed record {0}(string ABC, string aBC);"]))),
        ("invalid: [JsonExtensionData]", app => BrokenType(app, "FSH0400", "public sealed record {0}(string Name)\n{\n    [JsonExtensionData]\n    public global::System.Collections.Generic.Dictionary<string, object>? Extra { get; set; }\n}")),
        ("invalid: private [JsonConstructor]", app => BrokenType(app, "FSH0400", "public sealed class {0}\n{\n    [JsonConstructor]\n    private {0}(int count) => Count = count;\n\n    public static {0} Create(int count) => new(count);\n\n    public int Count { get; }\n}")),
        ("invalid: init-only member of a generic class", app =>
        {
            var holder = app.Name("Holder");
            app.Declare($"public sealed class {holder}<T>\n{{\n    public T? Value {{ get; init; }}\n}}");
            BrokenType(app, "FSH0400", $"public sealed record {{0}}({app.Qualify(holder)}<int> Held);");
        }),
        ("invalid: enum member renamed with a comma", app =>
        {
            var name = app.Name("Mode");
            app.Declare($"[JsonConverter(typeof(JsonStringEnumConverter))]\npublic enum {name}\n{{\n    [JsonStringEnumMemberName(\"a, b\")]\n    Both,\n}}");
            BrokenType(app, "FSH0400", $"public sealed record {{0}}({app.Qualify(name)} Mode);");
        }),
    ];

    public static int ScenarioCount => Scenarios.Length;

    /// <summary>The <paramref name="count"/> inputs of <paramref name="seed"/>, in order.</summary>
    public static IEnumerable<FuzzCase> Generate(int seed, int count) => Enumerable.Range(0, count).Select(i => Create(seed, i));

    /// <summary>Input <paramref name="index"/> of <paramref name="seed"/>; the same arguments always give the same input.</summary>
    public static FuzzCase Create(int seed, int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) + index));
        var (name, build) = Scenarios[index % Scenarios.Length];
        var app = new FuzzApp(random);
        build(app);
        return app.Build(seed, index, name);
    }

    // ---- valid apps ----

    /// <summary>Topics of random key and value types, tables, and agents that take some of them.</summary>
    private static (List<FuzzTopic> Topics, List<FuzzTable> Tables) Basic(FuzzApp app, bool inContainer = false, bool recordAgents = false, bool split = false, bool small = false)
    {
        var topics = new List<FuzzTopic>();
        // The small apps around a mistake mostly use Kafka's primitives: the valid scenarios exercise the codecs.
        FuzzType Type() => small && app.Chance(70) ? app.Pick([FuzzType.String, FuzzType.Int, FuzzType.Long, FuzzType.Double]) : app.RecordType();
        for (var i = 0; i < (small ? 1 : 1 + app.Random.Next(2)); i++)
        {
            topics.Add(app.Topic(Type(), Type(), inContainer: inContainer, split: split));
        }

        var tables = new List<FuzzTable>();
        for (var i = 0; i < (small ? 0 : app.Random.Next(2)); i++)
        {
            tables.Add(app.Table(app.RecordType(allowNullable: false) is { MayBeNull: false } key ? key : FuzzType.String, app.RecordType(), inContainer: inContainer));
        }

        foreach (var topic in topics.Where(_ => app.Chance(80)))
        {
            app.Agent(topic, app.Dependencies(tables, topics), inContainer: inContainer, record: recordAgents && app.Chance(70), split: split);
        }

        return (topics, tables);
    }

    private static void Nested(FuzzApp app, string container)
    {
        var name = app.Name("Streams");
        app.Container = string.Format(System.Globalization.CultureInfo.InvariantCulture, container, name);
        app.ContainerPrefix = name + ".";
        Basic(app, inContainer: true);
        if (app.Chance(50))
        {
            Basic(app);
        }
    }

    private static void SplitOverFiles(FuzzApp app)
    {
        app.FileCount = 2 + app.Random.Next(2);
        Basic(app, split: true);
    }

    private static void CaseCollisions(FuzzApp app)
    {
        // Records, topics and agents whose names differ only in case: hint names must still differ.
        var upper = app.Claim("UserIDs");
        var lower = app.Claim("UserIds");
        app.Declare($"public sealed record {upper}(string Id, int Count);");
        app.Declare($"public sealed record {lower}(long Id);");
        var first = app.Topic(FuzzType.String, new FuzzType(app.Qualify(upper), (r, d) => $"new {app.Qualify(upper)}({r.Pick(FuzzType.Strings)}, 3)", true), name: app.Claim("UserIdsTopic"));
        var second = app.Topic(FuzzType.String, new FuzzType(app.Qualify(lower), (_, _) => $"new {app.Qualify(lower)}(42L)", true), name: app.Claim("UserIDsTopic"));
        app.Agent(first, [], name: app.Claim("CountUserIds"), nameSetting: "count-user-ids-1");
        app.Agent(second, [], name: app.Claim("CountUserIDs"), nameSetting: "count-user-ids-2");
        Basic(app);
    }

    private static void Keywords(FuzzApp app)
    {
        app.Namespace = app.Pick(["@event", "App.@class", "@namespace.@struct"]);
        var value = app.Record(0, 0);
        var topic = app.Topic(FuzzType.String, value, name: app.Claim(app.Pick(["@event", "@class", "@string"])));
        app.Table(FuzzType.String, app.Enum(), name: app.Claim(app.Pick(["@default", "@object"])));
        app.Agent(topic, [], name: app.Claim(app.Pick(["@fixed", "@operator"])));
    }

    private static void Unicode(FuzzApp app)
    {
        app.Namespace = app.Pick(["Läden", "Магазин", "店"]);
        var topic = app.Topic(app.RecordType(), app.Record(), name: app.Claim(app.Pick(["Zähler", "Счётчик", "計数"])));
        app.Table(FuzzType.String, app.RecordType(), name: app.Claim(app.Pick(["Größen", "Итоги"])));
        app.Agent(topic, [], name: app.Claim(app.Pick(["Zählen", "Считать"])), nameSetting: "count-unicode");
    }

    private static void ValueOfShape(FuzzApp app, int shape)
    {
        var topic = app.Topic(app.RecordType(), app.Record(0, shape));
        app.Agent(topic, []);
        if (app.Chance(50))
        {
            app.Table(FuzzType.String, app.Record(0, shape));
        }
    }

    private static void Enums(FuzzApp app)
    {
        var flags = app.Enum(asString: true, flags: true);
        var plain = app.Enum(asString: true, flags: false);
        var topic = app.Topic(plain, flags);
        app.Agent(topic, []);
        var value = app.Record(0, app.Pick([0, 3, 5]));
        app.Topic(app.Enum(), value);
        var holder = app.Name("Settings");
        var number = app.Enum(asString: false);
        app.Declare($"public sealed record {holder}([property: JsonConverter(typeof(JsonStringEnumConverter))] {number.Code} AsName, {number.Code} AsNumber, {flags.Code}? Maybe);");
        app.Table(FuzzType.String, new FuzzType(app.Qualify(holder), (r, d) => $"new {app.Qualify(holder)}({number.Sample(r, d)}, {number.Sample(r, d)}, {(r.Next(2) == 0 ? "null" : flags.Sample(r, d))})", true));
    }

    private static void GeneratedNames(FuzzApp app)
    {
        // A record named Definition as a value, a type named like the agent's generated partition class, the app
        // model's old name in its old namespace, and an agent whose base class has a Definition of its own.
        var definition = app.Claim("Definition");
        app.Declare($"public sealed record {definition}(string Term, string Meaning);");
        app.Declare($"public sealed class {app.Claim("FaustishPartition")}\n{{\n}}");
        app.AddFile("namespace Faustish.Generated;\n\ninternal static class FaustishAppModel\n{\n    public static int Model => 0;\n}\n");
        var value = new FuzzType(app.Qualify(definition), (r, _) => $"new {app.Qualify(definition)}({r.Pick(FuzzType.Strings)}, {r.Pick(FuzzType.Strings)})", true);
        var topic = app.Topic(FuzzType.String, value, name: app.Claim("Definitions"));
        var agentBase = app.Name("AgentBase");
        app.Declare($"public abstract class {agentBase}\n{{\n    public static string Definition => \"base\";\n}}");
        app.Agent(topic, [], name: app.Claim("Define"), baseClass: app.Qualify(agentBase));
        app.Agent(topic, [], name: app.Claim("FaustishPartitionAgent"));

        // Types named like the namespaces the generated code names (it always writes global::).
        if (app.Namespace.Length > 0 && !app.Namespace.StartsWith("Faustish", StringComparison.Ordinal) && !app.Namespace.StartsWith("System", StringComparison.Ordinal))
        {
            app.Declare($"public static class {app.Claim("System")}\n{{\n}}");
            app.Declare($"public static class {app.Claim("Faustish")}\n{{\n}}");
            app.Declare($"public static class {app.Claim("Microsoft")}\n{{\n}}");
        }
    }

    /// <summary>A topic whose events take their time from a DateTimeOffset, DateTime or long member, or from a method of the topic.</summary>
    private static void EventTimes(FuzzApp app)
    {
        Basic(app, small: true);
        var reading = app.Name("Reading");
        app.Declare($"public sealed record {reading}(string Sensor, global::System.DateTimeOffset At, global::System.DateTime Utc, long Ms);");
        var value = new FuzzType(app.Qualify(reading), static (_, _) => "null!", isReference: true);
        var key = app.Chance(50) ? FuzzType.String : FuzzType.String.Nullable();
        var member = app.Pick(["At", "Utc", "Ms", "EventTime"]);
        var body = member == "EventTime"
            ? $"\n{{\n    internal static long EventTime({key.Code} key, {value.Code} value, long recordTimestampMs) => value.Ms > 0 ? value.Ms : recordTimestampMs;\n}}"
            : ";";
        var topic = app.Name("Readings");
        app.Declare($"[Topic({FuzzApp.Literal(app.Name("readings-").ToLowerInvariant())}, Timestamp = {FuzzApp.Literal(member)})]\npublic sealed partial class {topic} : Topic<{key.Code}, {value.Code}>{body}");
        app.Agent(new FuzzTopic(app.Qualify(topic), key, value), []);
    }

    private static void Nullables(FuzzApp app)
    {
        var record = app.Record(0, 0);
        var combos = new[]
        {
            (FuzzType.String.Nullable(), FuzzType.String),
            (FuzzType.String, record.Nullable()),
            (FuzzType.Int.Nullable(), record),
            (FuzzType.String.Nullable(), record.Nullable()),
            (FuzzType.String, FuzzType.String.Nullable()),
            (FuzzType.Long, FuzzType.Double.Nullable()),
        };
        foreach (var (key, value) in combos.OrderBy(_ => app.Random.Next()).Take(3))
        {
            var topic = app.Topic(key, value);
            app.Agent(topic, []);
        }

        app.Table(FuzzType.String, record.Nullable());
        app.Table(FuzzType.Long, FuzzType.String.Nullable(), kind: 1);
    }

    private static void Tables(FuzzApp app)
    {
        var tables = new List<FuzzTable>
        {
            app.Table(FuzzType.String, FuzzType.Long, kind: 2),
            app.Table(app.RecordType(allowNullable: false) is { MayBeNull: false } key ? key : FuzzType.String, app.RecordType(), kind: 1),
            app.Table(FuzzType.Long, app.Record(), kind: app.Random.Next(3)),
        };
        var topic = app.Topic(FuzzType.String, FuzzType.Long);
        app.Agent(topic, app.Dependencies(tables, [topic]));
    }

    private static void IntermediateBase(FuzzApp app)
    {
        var name = app.Name("AuditedTopic");
        app.Declare($"public abstract class {name}<TKey, TValue> : Topic<TKey, TValue>\n{{\n    protected {name}(global::Faustish.Topics.TopicDefinition<TKey, TValue> definition, global::Faustish.RecordSender sender)\n        : base(definition, sender)\n    {{\n    }}\n}}");
        var value = app.Record();
        var topicName = app.Name("Audited");
        app.Declare($"[Topic({FuzzApp.Literal(app.Name("audited-").ToLowerInvariant())})]\npublic sealed partial class {topicName} : {name}<string, {value.Code}>;");
        var code = app.Qualify(topicName);
        app.Probe(topicName, $"{code}.Definition.ValueCodec", value.Sample(app.Random));
        app.Agent(new FuzzTopic(code, FuzzType.String, value), []);
    }

    private static void TwoNamespaces(FuzzApp app)
    {
        // One simple name in two namespaces: codec names, hint names and the agents' default names must not clash.
        app.AddFile("namespace North\n{\n    public sealed record Item(int X);\n}\n\nnamespace South\n{\n    public sealed record Item(string Y, global::System.Collections.Generic.List<int> Z);\n}\n");
        var north = new FuzzType("global::North.Item", (_, _) => "new global::North.Item(7)", true);
        var south = new FuzzType("global::South.Item", (r, _) => $"new global::South.Item({r.Pick(FuzzType.Strings)}, new global::System.Collections.Generic.List<int> {{ 1, 2 }})", true);
        var first = app.Topic(FuzzType.String, north);
        var second = app.Topic(FuzzType.String, south);
        app.Agent(first, [], nameSetting: "north-items");
        app.Agent(second, [], nameSetting: "south-items");
        Basic(app);
    }

    private static void Obsolete(FuzzApp app)
    {
        // Types marked [Obsolete] (a migration under way): the user's code that uses them is obsolete too, so the
        // only warnings left would be in generated code.
        var record = app.Name("OldOrder");
        app.Declare($"[Obsolete(\"use Order\")]\npublic sealed record {record}(string Id, decimal Total);");
        var value = new FuzzType(app.Qualify(record), (r, _) => $"new {app.Qualify(record)}({r.Pick(FuzzType.Strings)}, 1.5m)", true);
        var topic = app.Topic(FuzzType.String, value, attributes: "[Obsolete(\"use Orders\")]\n");
        app.Agent(topic, [], attributes: "[Obsolete(\"use TrackOrders\")]\n");
        app.Table(FuzzType.String, FuzzType.Long);
        app.ObsoleteProbe = true;
    }

    // ---- invalid apps: a valid one plus one mistake ----

    /// <summary>A valid app with <paramref name="declaration"/> added, which must get <paramref name="id"/>.</summary>
    private static void Broken(FuzzApp app, string id, string declaration)
    {
        Basic(app, small: true);
        app.Declare(declaration);
        app.Expect(id);
    }

    private static void BrokenNested(FuzzApp app, string id, string container, string declaration)
    {
        Basic(app, small: true);
        var outer = app.Name("Outer");
        var inner = app.Name("Inner");
        app.Declare(string.Format(System.Globalization.CultureInfo.InvariantCulture, container, outer) + "\n{\n    "
            + string.Format(System.Globalization.CultureInfo.InvariantCulture, declaration, inner).Replace("\n", "\n    ", StringComparison.Ordinal) + "\n}");
        app.Expect(id);
    }

    /// <summary>
    /// A valid app plus an agent of a <c>Topic&lt;string, long&gt;</c>, declared as <paramref name="declaration"/>
    /// (<c>{0}</c> is its name), with a processing method, constructor, settings or topic that break a rule.
    /// </summary>
    private static void BrokenAgent(FuzzApp app, string id, string declaration, bool processBody = true, string? process = null, string extra = "",
        string constructor = "", string settings = "", string? topic = null, string? name = null, string uses = "")
    {
        Basic(app, small: true);
        var target = topic ?? $"typeof({app.Topic(FuzzType.String, FuzzType.Long).Code})";
        name ??= app.Name("Broken");
        process ??= processBody ? $"public void Process(string key, long value)\n    {{\n        {uses}\n    }}" : "";
        var header = string.Format(System.Globalization.CultureInfo.InvariantCulture, declaration, name);
        app.Declare($"[Agent({target}{settings})]\n{header}{constructor}\n{{\n    {extra.Replace("{0}", name, StringComparison.Ordinal)}\n\n    {process}\n}}");
        app.Expect(id);
    }

    private static void BrokenNestedAgent(FuzzApp app, string id, string container)
    {
        Basic(app, small: true);
        var topic = app.Topic(FuzzType.String, FuzzType.Long);
        var outer = app.Name("Outer");
        app.Declare(string.Format(System.Globalization.CultureInfo.InvariantCulture, container, outer)
            + $"\n{{\n    [Agent(typeof({topic.Code}))]\n    public sealed partial class {app.Name("Inner")}\n    {{\n        public void Process(string key, long value) {{ }}\n    }}\n}}");
        app.Expect(id);
    }

    private static void SeveralRoles(FuzzApp app)
    {
        Basic(app, small: true);
        var name = app.Name("Both");
        app.Declare($"[Topic(\"both\")]\n[Agent(typeof({app.Qualify(name)}))]\npublic sealed partial class {name} : Topic<string, long>\n{{\n    public void Process(string key, long value) {{ }}\n}}");
        app.Expect("FSH0005");
    }

    private static void DuplicateAgents(FuzzApp app)
    {
        Basic(app, small: true);
        var topic = app.Topic(FuzzType.String, FuzzType.Long);
        if (app.Chance(50))
        {
            app.Agent(topic, [], nameSetting: "same-name");
            app.Agent(topic, [], nameSetting: "same-name");
        }
        else
        {
            // The default names of two classes of one name in different namespaces.
            app.AddFile($"namespace North\n{{\n    [Agent(typeof({topic.Code}))]\n    public sealed partial class Audit\n    {{\n        public void Process(string key, long value) {{ }}\n    }}\n}}\n\nnamespace South\n{{\n    [Agent(typeof({topic.Code}))]\n    public sealed partial class Audit\n    {{\n        public void Process(string key, long value) {{ }}\n    }}\n}}\n");
        }

        app.Expect("FSH0110");
    }

    private static void TableWrittenOutside(FuzzApp app)
    {
        Basic(app, small: true);
        var table = app.Table(FuzzType.String, FuzzType.Long, kind: 0);
        var name = app.Name("Admin");
        app.Declare($"public sealed class {name}({table.Code} counts)\n{{\n    public void Reset(string key) => counts[key] = 0;\n}}");
        app.Expect("FSH0203");
    }

    private static void PartitionMismatch(FuzzApp app)
    {
        Basic(app, small: true);
        var tableName = app.Name("Counts");
        app.Declare($"[Table(\"pm\", Partitions = 3)]\npublic sealed partial class {tableName} : Table<string, long>;");
        var topicName = app.Name("Events");
        app.Declare($"[Topic(\"pm-events\", Partitions = 8)]\npublic sealed partial class {topicName} : Topic<string, long>;");
        app.Declare($"[Agent(typeof({app.Qualify(topicName)}))]\npublic sealed partial class {app.Name("Count")}({app.Qualify(tableName)} counts)\n{{\n    public void Process(string key, long value) => counts[key] += value;\n}}");
        app.Expect("FSH0204");
    }

    /// <summary>A valid app plus a topic whose value type is <paramref name="declaration"/> (<c>{0}</c> is its name), which must get <paramref name="id"/>.</summary>
    private static void BrokenType(FuzzApp app, string id, string declaration)
    {
        Basic(app, small: true);
        var name = app.Name("Bad");
        app.Declare(declaration.Replace("{0}", name, StringComparison.Ordinal));
        var topic = app.Name("BadTopic");
        app.Declare($"[Topic(\"bad-values\")]\npublic sealed partial class {topic} : Topic<string, {app.Qualify(name)}>;");
        if (app.Chance(50))
        {
            app.Declare($"[Agent(typeof({app.Qualify(topic)}))]\npublic sealed partial class {app.Name("ReadBad")}\n{{\n    public void Process(string key, {app.Qualify(name)} value) {{ }}\n}}");
        }

        app.Expect(id);
    }
}
