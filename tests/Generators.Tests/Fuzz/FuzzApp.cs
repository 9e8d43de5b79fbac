using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Faustish.Generators.Tests.Fuzz;

/// <summary>A user's record, class or struct in a fuzz input.</summary>
internal sealed class FuzzRecord(string code)
{
    public string Code { get; } = code;
}

/// <summary>A topic a fuzz input declares: its class and its key and value types.</summary>
internal sealed record FuzzTopic(string Code, FuzzType Key, FuzzType Value);

/// <summary>A table a fuzz input declares.</summary>
internal sealed record FuzzTable(string Code, FuzzType Key, FuzzType Value, bool Windowed);

/// <summary>
/// One plausible Faustish app, built up by a scenario: types, topics, tables and agents spread over one or more files,
/// in a namespace (or none), some inside containing classes; plus the probe that checks its codecs. Everything it
/// writes is valid and warning-free C# unless a scenario breaks it on purpose (and says which diagnostic it expects).
/// </summary>
internal sealed class FuzzApp
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;
        using Faustish;
        using Faustish.Agents;

        """;

    private static readonly string[] Namespaces =
        ["", "Shop", "Shop.Orders", "@event", "Läden.Kasse", "System.Shop", "Faustish.Demo", "App.@class.Streams", "Faustish.Generated"];

    private readonly List<(string Text, int File, string? Container)> _declarations = [];
    private readonly List<string> _probe = [];
    private readonly List<string> _expected = [];
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _extraFiles = [];
    private int _counter;

    public FuzzApp(Random random)
    {
        Random = random;
        Namespace = Namespaces[random.Next(Namespaces.Length)];
        FileCount = 1 + random.Next(3);
        FileScoped = random.Next(2) == 0;
    }

    public Random Random { get; }

    /// <summary>The namespace as C# writes it, or empty for the global namespace.</summary>
    public string Namespace { get; set; }

    public int FileCount { get; set; }

    public bool FileScoped { get; set; }

    /// <summary>When set, the app's Faustish classes are declared inside this containing class (e.g. <c>public static partial class Streams</c>).</summary>
    public string? Container { get; set; }

    /// <summary>The qualifier of the containing class when <see cref="Container"/> is set, e.g. <c>Streams.</c>.</summary>
    public string ContainerPrefix { get; set; } = "";

    public IReadOnlyList<string> Expected => _expected;

    /// <summary>The probe names obsolete types: it is marked obsolete itself, as the user's code that uses them is.</summary>
    public bool ObsoleteProbe { get; set; }

    public void Expect(params string[] ids) => _expected.AddRange(ids);

    /// <summary>A name not used yet in this app (ignoring case, so no two classes clash on a case-insensitive file system by accident).</summary>
    public string Name(string stem)
    {
        while (true)
        {
            var name = stem + (++_counter).ToString(CultureInfo.InvariantCulture);
            if (_names.Add(name))
            {
                return name;
            }
        }
    }

    /// <summary>Claims <paramref name="name"/> exactly (scenarios that need a particular name).</summary>
    public string Claim(string name)
    {
        _names.Add(name);
        return name;
    }

    public string Qualify(string name, bool inContainer = false) =>
        "global::" + (Namespace.Length == 0 ? "" : Namespace + ".") + (inContainer ? ContainerPrefix : "") + name;

    /// <summary>Adds a declaration to a random file (or <paramref name="file"/>), inside the container when <paramref name="inContainer"/>.</summary>
    public void Declare(string text, bool inContainer = false, int? file = null) =>
        _declarations.Add((text, file ?? Random.Next(FileCount), inContainer ? Container : null));

    /// <summary>A whole file of its own, outside the app's namespace.</summary>
    public void AddFile(string text) => _extraFiles.Add(text);

    public void Probe(string label, string codec, string value) =>
        _probe.Add($"global::Faustish.Generators.Tests.Fuzz.Probe.CodecAgreement.Check(failures, {Literal(label)}, {codec}, {value});");

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    public bool Chance(int percent) => Random.Next(100) < percent;

    // ---- types ----

    /// <summary>A type for a member of a record: scalars, enums, nullables, collections and nested records.</summary>
    public FuzzType MemberType(int depth)
    {
        var roll = Random.Next(100);
        FuzzType type = roll switch
        {
            < 50 => Pick(FuzzType.Scalars),
            < 60 => Enum(),
            < 75 when depth < 2 => FuzzType.Collection(Random, MemberType(depth + 1)),
            < 83 when depth < 1 => Record(depth + 1),
            _ => Pick(FuzzType.Scalars),
        };
        return Chance(20) ? type.Nullable() : type;
    }

    /// <summary>A key or value type: Kafka's primitives, records, enums, collections, Guid..., sometimes nullable.</summary>
    public FuzzType RecordType(bool allowNullable = true)
    {
        FuzzType type = Random.Next(10) switch
        {
            0 => FuzzType.String,
            1 => Pick([FuzzType.Int, FuzzType.Long, FuzzType.Double]),
            2 => Enum(),
            3 => Pick(FuzzType.Scalars),
            4 => FuzzType.Collection(Random, Record(1)),
            _ => Record(0),
        };
        return allowNullable && Chance(15) ? type.Nullable() : type;
    }

    /// <summary>Declares an enum: numbers or strings, maybe [Flags], renamed members, members named like codec members or keywords.</summary>
    public FuzzType Enum(bool? asString = null, bool? flags = null)
    {
        var name = Name(Pick(["Color", "State", "Kind", "Permission"]));
        var isString = asString ?? Chance(50);
        var isFlags = flags ?? Chance(30);
        var underlying = Pick(["", "", " : byte", " : long", " : short", " : uint"]);
        var members = new List<string>();
        var names = new List<string>();
        var pool = new[] { "Read", "Write", "@default", "Alpha", "Beta", "Gamma", "Instance", "Größe", "@class", "None" }
            .OrderBy(_ => Random.Next()).Take(2 + Random.Next(5)).ToList();
        var value = 1L;
        foreach (var member in pool)
        {
            var renamed = isString && Chance(20) ? $"[JsonStringEnumMemberName(\"{member.TrimStart('@').ToLowerInvariant()}-name\")] " : "";
            var assigned = member == "None" ? 0 : value;
            members.Add($"{renamed}{member} = {assigned.ToString(CultureInfo.InvariantCulture)}");
            names.Add(member);
            if (member != "None")
            {
                value = isFlags ? value * 2 : value + 1 + Random.Next(3);
            }
        }

        if (isFlags && pool.Count >= 3 && Chance(50))
        {
            members.Add($"Both = {pool.First(p => p != "None")} | {pool.Last(p => p != "None")}");
            names.Add("Both");
        }

        var attributes = (isFlags ? "[Flags]\n" : "") + (isString ? "[JsonConverter(typeof(JsonStringEnumConverter))]\n" : "");
        Declare($"{attributes}public enum {name}{underlying}\n{{\n    {string.Join(",\n    ", members)},\n}}");
        var code = Qualify(name);
        var cast = underlying.Length == 0 ? "int" : underlying.Substring(3);
        return new FuzzType(code, (r, _) => r.Next(5) switch
        {
            0 => $"({code})99",
            1 when isFlags && names.Count >= 2 => $"{code}.{names[0]} | {code}.{names[^1]}",
            2 => $"({code})({cast})0",
            _ => $"{code}.{names[r.Next(names.Count)]}",
        }, isReference: false);
    }

    /// <summary>Declares a record, class or struct of the shapes the codecs serve, and returns its type.</summary>
    public FuzzType Record(int depth = 0, int? shape = null)
    {
        var kind = shape ?? Random.Next(12);
        var name = Name(Pick(["Order", "Line", "Event", "PageView", "Größe", "Payload", "Note"]));
        var code = Qualify(name);
        var members = Members(depth, kind == 9 ? 0 : 1 + Random.Next(3));
        switch (kind)
        {
            case 0 or 1 or 2:
            {
                // Positional record, maybe with an init-only member in its body.
                var extra = Chance(40) ? Member(depth, members.Count) : null;
                var body = extra is null ? ";" : $"\n{{\n    {extra.Attributes}public {extra.Type.Code} {extra.Declared} {{ get; init; }}{extra.Type.Initializer(Random)}\n}}";
                Declare($"public sealed record {name}({string.Join(", ", members.Select(m => $"{m.PropertyAttributes}{m.Type.Code} {m.Declared}"))}){body}");
                return new FuzzType(code, (r, d) =>
                    $"new {code}({string.Join(", ", members.Select(m => m.Type.Sample(r, d)))})" + (extra is null || r.Next(2) == 0 ? "" : $" {{ {extra.Declared} = {extra.Type.Sample(r, d)} }}"),
                    isReference: true, record: new FuzzRecord(code));
            }

            case 3 or 4:
            {
                // Class of settable and init-only members with initializers, some required.
                var lines = new List<string>();
                foreach (var member in members)
                {
                    var required = member.Index == 0 && Chance(50) ? "required " : "";
                    var accessor = Chance(50) ? "set" : "init";
                    var ignored = required.Length == 0 && !member.Attributes.Contains("JsonIgnore", StringComparison.Ordinal) && Chance(10);
                    var attributes = member.Attributes + (ignored ? "[JsonIgnore]\n    " : "");
                    lines.Add($"{attributes}public {required}{member.Type.Code} {member.Declared} {{ get; {accessor}; }}{(required.Length > 0 ? "" : member.Type.Initializer(Random))}");
                }

                Declare($"public sealed class {name}\n{{\n    {string.Join("\n\n    ", lines)}\n}}");
                return new FuzzType(code, (r, d) => $"new {code} {{ {string.Join(", ", members.Select(m => $"{m.Declared} = {m.Type.Sample(r, d)}"))} }}",
                    isReference: true, record: new FuzzRecord(code));
            }

            case 5:
            {
                // Record struct.
                Declare($"public readonly record struct {name}({string.Join(", ", members.Select(m => $"{m.PropertyAttributes}{m.Type.Code} {m.Declared}"))});");
                return new FuzzType(code, (r, d) => $"new {code}({string.Join(", ", members.Select(m => m.Type.Sample(r, d)))})", isReference: false, record: new FuzzRecord(code));
            }

            case 6:
            {
                // The only constructor is an internal [JsonConstructor].
                var parameters = string.Join(", ", members.Select(m => $"{m.Type.Code} {m.Parameter}"));
                var assignments = string.Join(" ", members.Select(m => $"this.{m.Declared} = {m.Parameter};"));
                var properties = string.Join("\n\n    ", members.Select(m => $"public {m.Type.Code} {m.Declared} {{ get; }}"));
                Declare($"public sealed class {name}\n{{\n    [JsonConstructor]\n    internal {name}({parameters})\n    {{\n        {assignments}\n    }}\n\n    {properties}\n}}");
                return new FuzzType(code, (r, d) => $"new {code}({string.Join(", ", members.Select(m => m.Type.Sample(r, d)))})", isReference: true, record: new FuzzRecord(code));
            }

            case 7:
            {
                // A generic record with an init-only member, closed over another type.
                var generic = Name("Envelope");
                var argument = MemberType(depth + 1);
                Declare($"public sealed record {generic}<T>(string Kind, T Payload)\n{{\n    public int Version {{ get; init; }} = 1;\n}}");
                var closed = $"{Qualify(generic)}<{argument.Code}>";
                return new FuzzType(closed, (r, d) => $"new {closed}({r.Pick(FuzzType.Strings)}, {argument.Sample(r, d)})" + (r.Next(2) == 0 ? "" : " { Version = 3 }"),
                    isReference: true, record: new FuzzRecord(closed));
            }

            case 8:
            {
                // A record nested in a generic class, with an init-only member.
                var box = Name("Box");
                Declare($"public static class {box}<T>\n{{\n    public sealed record Item(T Value)\n    {{\n        public string Note {{ get; init; }} = \"\";\n    }}\n}}");
                var argument = Pick(FuzzType.Scalars);
                var closed = $"{Qualify(box)}<{argument.Code}>.Item";
                return new FuzzType(closed, (r, d) => $"new {closed}({argument.Sample(r, d)})" + (r.Next(2) == 0 ? "" : $" {{ Note = {r.Pick(FuzzType.Strings)} }}"),
                    isReference: true, record: new FuzzRecord(closed));
            }

            case 9:
            {
                // A record without members.
                Declare(Chance(50) ? $"public sealed record {name};" : $"public sealed record {name}();");
                return new FuzzType(code, (_, _) => $"new {code}()", isReference: true, record: new FuzzRecord(code));
            }

            case 10:
            {
                // A derived record with a base init-only member.
                var baseName = Name("Base");
                Declare($"public record {baseName}(string Source)\n{{\n    public int Version {{ get; init; }} = 1;\n}}");
                Declare($"public sealed record {name}(string Source, {string.Join(", ", members.Select(m => $"{m.PropertyAttributes}{m.Type.Code} {m.Declared}"))}) : {baseName}(Source);");
                return new FuzzType(code, (r, d) => $"new {code}({r.Pick(FuzzType.Strings)}, {string.Join(", ", members.Select(m => m.Type.Sample(r, d)))})" + (r.Next(2) == 0 ? "" : " { Version = 2 }"),
                    isReference: true, record: new FuzzRecord(code));
            }

            default:
            {
                // Members the analyzer used to reject: ICollection<string>, an ignored object.
                Declare($"public sealed class {name}\n{{\n    public global::System.Collections.Generic.ICollection<string> Tags {{ get; set; }} = new global::System.Collections.Generic.List<string>();\n\n    [JsonIgnore]\n    public object? Cache {{ get; set; }}\n\n    public {members[0].Type.Code} {members[0].Declared} {{ get; set; }}{members[0].Type.Initializer(Random)}\n}}");
                return new FuzzType(code, (r, d) => $"new {code} {{ Tags = new global::System.Collections.Generic.List<string> {{ {r.Pick(FuzzType.Strings)} }}, {members[0].Declared} = {members[0].Type.Sample(r, d)} }}",
                    isReference: true, record: new FuzzRecord(code));
            }
        }
    }

    /// <summary>A member of a record: its type, its name as declared (maybe a keyword, maybe not ASCII) and its JSON attributes.</summary>
    internal sealed record FuzzMember(int Index, FuzzType Type, string Declared, string Parameter, string Attributes)
    {
        /// <summary>The attributes of a positional parameter, aimed at its property.</summary>
        public string PropertyAttributes => Attributes.Replace("[", "[property: ", StringComparison.Ordinal).Replace("\n    ", " ", StringComparison.Ordinal);
    }

    private List<FuzzMember> Members(int depth, int count) => Enumerable.Range(0, count).Select(i => Member(depth, i)).ToList();

    private FuzzMember Member(int depth, int index)
    {
        var type = MemberType(depth);

        // The first member is sometimes a keyword (written @class): the codecs must escape it where they name it.
        var declared = index == 0 && Chance(20)
            ? Pick(["@class", "@event", "@default", "@object", "Instance", "ReadJson", "WriteJson", "MemberNames", "MatchMember", "value", "member", "reader"])
            : Pick(["Amount", "Name", "Items", "Länge", "Value", "URLPath", "Id", "ABC"]) + "_" + (++_counter).ToString(CultureInfo.InvariantCulture);
        var attributes = new StringBuilder();
        if (Chance(15))
        {
            attributes.Append(CultureInfo.InvariantCulture, $"[JsonPropertyName(\"json {declared.TrimStart('@')}\")]\n    ");
        }

        if (Chance(10))
        {
            attributes.Append(CultureInfo.InvariantCulture, $"[JsonPropertyOrder({Random.Next(-2, 3)})]\n    ");
        }

        if (Chance(10))
        {
            attributes.Append(type.MayBeNull || type.IsReference ? "[JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]\n    " : "[JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]\n    ");
        }

        var bare = declared.TrimStart('@');
        return new FuzzMember(index, type, declared, "@" + char.ToLowerInvariant(bare[0]) + bare.Substring(1), attributes.ToString());
    }

    // ---- Faustish classes ----

    /// <summary>Declares a topic of <paramref name="key"/> and <paramref name="value"/>, and probes its codecs.</summary>
    public FuzzTopic Topic(FuzzType key, FuzzType value, string? name = null, bool inContainer = false, string? topicName = null, string attributes = "", bool split = false)
    {
        name ??= Name(Pick(["Orders", "PageViews", "UserIds", "Clicks", "Zähler", "@event"]).TrimStart('@') + "Topic");
        var partitions = Chance(50) ? "" : $", Partitions = {1 + Random.Next(8)}";
        var header = $"{attributes}[Topic({Literal(topicName ?? Name("topic-").ToLowerInvariant())}{partitions})]";
        if (split && FileCount > 1)
        {
            // Attribute on one part, base class on another.
            Declare($"{header}\npublic sealed partial class {name};", inContainer, 0);
            Declare($"public sealed partial class {name} : Topic<{key.Code}, {value.Code}>;", inContainer, FileCount - 1);
        }
        else
        {
            Declare($"{header}\npublic sealed partial class {name} : Topic<{key.Code}, {value.Code}>;", inContainer);
        }

        var code = Qualify(name, inContainer);
        ProbeCodecs(name, code, key, value);
        return new FuzzTopic(code, key, value);
    }

    /// <summary>Declares a table: plain, global or windowed (with valid settings), and probes its codecs.</summary>
    public FuzzTable Table(FuzzType key, FuzzType value, string? name = null, bool inContainer = false, int? kind = null, string settings = "")
    {
        name ??= Name(Pick(["Counts", "Totals", "Profiles", "PerMinute"]));
        var which = kind ?? Random.Next(3);
        var window = which == 2 ? (settings.Length > 0 ? settings : WindowSettings()) : "";
        var baseType = which switch { 0 => "Table", 1 => "GlobalTable", _ => "WindowedTable" };
        Declare($"[Table({Literal(Name("table-").ToLowerInvariant())}{window})]\npublic sealed partial class {name} : {baseType}<{key.Code}, {value.Code}>;", inContainer);
        var code = Qualify(name, inContainer);
        ProbeCodecs(name, code, key, value);
        return new FuzzTable(code, key, value, which == 2);
    }

    private string WindowSettings() => Random.Next(6) switch
    {
        0 => ", Window = \"tumbling 1m\"",
        1 => ", Window = \"hopping 10m every 1m grace 30s\", Expires = \"1h\"",
        2 => ", Window = \"sliding 5m\", Late = LateEvents.DeadLetter",
        3 => ", Window = \"session 30m\", CloseOn = WindowClose.StreamTime | WindowClose.WallClock",
        4 => ", Window = \"tumbling 1h grace 10m\", RelativeTo = WindowTime.Now, CloseOn = WindowClose.WallClock",
        _ => ", Window = \"tumbling 500ms\", Late = LateEvents.Drop, CloseOn = WindowClose.StreamTime, RelativeTo = WindowTime.Stream",
    };

    private void ProbeCodecs(string name, string code, FuzzType key, FuzzType value)
    {
        for (var i = 0; i < 2; i++)
        {
            if (!key.IsKafkaPrimitive)
            {
                Probe($"{name} key #{i}", $"{code}.Definition.KeyCodec", key.Sample(Random));
            }

            if (!value.IsKafkaPrimitive)
            {
                Probe($"{name} value #{i}", $"{code}.Definition.ValueCodec", value.Sample(Random));
            }
        }
    }

    /// <summary>
    /// Declares an agent of <paramref name="topic"/>: a processing method of one of the supported forms (nullable
    /// parameters where the types allow), and a constructor taking <paramref name="dependencies"/> (code, type).
    /// </summary>
    public string Agent(FuzzTopic topic, IReadOnlyList<(string Type, string Name)> dependencies, string? name = null, bool inContainer = false,
        string attributes = "", string? nameSetting = null, bool record = false, string? baseClass = null, bool split = false)
    {
        name ??= Name(Pick(["CountOrders", "TrackViews", "Zähler", "Audit", "HTMLParser"]));

        // The default name comes from the class name; one with letters beyond a-z needs a Name (FSH0505).
        if (nameSetting is null && name.Any(c => c > 127))
        {
            nameSetting = Name("agent-").ToLowerInvariant();
        }

        var settings = (nameSetting is null ? "" : $", Name = {Literal(nameSetting)}") + (Chance(20) ? $", Concurrency = {1 + Random.Next(4)}" : "");
        var key = ParameterType(topic.Key);
        var value = ParameterType(topic.Value);
        var context = Chance(30) ? ", global::Faustish.Agents.EventContext context" : "";
        // An 'in' primary constructor parameter cannot be used in a method: a property initializer keeps it.
        var taken = record ? dependencies.Select(d => (Type: d.Type.Replace("in ", "", StringComparison.Ordinal), d.Name)).ToList() : dependencies.ToList();
        var kept = string.Concat(taken.Where(d => d.Type.StartsWith("in ", StringComparison.Ordinal)).Select(d => $"public object? {d.Name}Kept {{ get; }} = {d.Name};\n\n    "));
        var uses = string.Concat(taken.Where(d => !d.Type.StartsWith("in ", StringComparison.Ordinal)).Select(d => $"_ = {d.Name}; ")) + (context.Length > 0 ? "_ = context; " : "");
        var method = Random.Next(3) switch
        {
            0 => $"public void Process({key} key, {value} value{context})\n    {{\n        {uses}\n    }}",
            1 => $"public global::System.Threading.Tasks.ValueTask ProcessAsync({key} key, {value} value{context})\n    {{\n        {uses}return global::System.Threading.Tasks.ValueTask.CompletedTask;\n    }}",
            _ => $"public async global::System.Threading.Tasks.Task ProcessAsync({key} key, {value} value{context})\n    {{\n        {uses}await global::System.Threading.Tasks.Task.Yield();\n    }}",
        };
        // A record's positional parameters cannot be 'in'.
        var parameters = taken.Count == 0 && Chance(50) ? "" : $"({string.Join(", ", taken.Select(d => $"{d.Type} {d.Name}"))})";
        var keyword = record ? "record" : "class";
        var inherits = baseClass is null ? "" : $" : {baseClass}";
        var header = $"{attributes}[Agent(typeof({topic.Code}){settings})]";
        if (split && FileCount > 1)
        {
            Declare($"{header}\npublic sealed partial {keyword} {name}{parameters}{inherits};", inContainer, 0);
            Declare($"public sealed partial {keyword} {name}\n{{\n    {kept}{method}\n}}", inContainer, FileCount - 1);
        }
        else
        {
            Declare($"{header}\npublic sealed partial {keyword} {name}{parameters}{inherits}\n{{\n    {kept}{method}\n}}", inContainer);
        }

        return Qualify(name, inContainer);
    }

    /// <summary>The topic's type, or its other nullability where C# lets a parameter differ only in annotation.</summary>
    private string ParameterType(FuzzType type)
    {
        if (!type.IsReference || !Chance(30))
        {
            return type.Code;
        }

        return type.MayBeNull ? type.Code.Substring(0, type.Code.Length - 1) : type.Code + "?";
    }

    /// <summary>Constructor parameters for an agent: tables, topics to send to, and services.</summary>
    public List<(string Type, string Name)> Dependencies(IReadOnlyList<FuzzTable> tables, IReadOnlyList<FuzzTopic> topics)
    {
        var dependencies = new List<(string, string)>();
        // Tables and topics, sometimes annotated nullable or taken 'in'.
        foreach (var table in tables.Where(_ => Chance(50)))
        {
            dependencies.Add(((Chance(15) ? "in " : "") + table.Code + (Chance(15) ? "?" : ""), Name("table")));
        }

        foreach (var topic in topics.Where(_ => Chance(30)))
        {
            dependencies.Add((topic.Code + (Chance(15) ? "?" : ""), Name("sink")));
        }

        if (Chance(30))
        {
            var clock = Name("IClock");
            Declare($"public interface {clock}\n{{\n}}");
            dependencies.Add((Qualify(clock) + (Chance(50) ? "?" : ""), Name("clock")));
        }

        if (Chance(15))
        {
            dependencies.Add(("global::System.IServiceProvider", Name("services")));
        }

        return dependencies;
    }

    // ---- output ----

    public FuzzCase Build(int seed, int index, string scenario)
    {
        var files = new List<FuzzFile>();
        for (var file = 0; file < FileCount; file++)
        {
            var text = new StringBuilder(Usings);
            var inFile = _declarations.Where(d => d.File == file).ToList();
            if (inFile.Count == 0 && file > 0)
            {
                continue;
            }

            var indent = "";
            if (Namespace.Length > 0)
            {
                if (FileScoped)
                {
                    text.Append(CultureInfo.InvariantCulture, $"namespace {Namespace};\n\n");
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"namespace {Namespace}\n{{\n");
                    indent = "    ";
                }
            }

            foreach (var group in inFile.GroupBy(d => d.Container))
            {
                var inner = indent;
                if (group.Key is not null)
                {
                    text.Append(Indent(group.Key, inner)).Append('\n').Append(inner).Append("{\n");
                    inner += "    ";
                }

                foreach (var declaration in group)
                {
                    text.Append(Indent(declaration.Text, inner)).Append("\n\n");
                }

                if (group.Key is not null)
                {
                    text.Append(indent).Append("}\n\n");
                }
            }

            if (Namespace.Length > 0 && !FileScoped)
            {
                text.Append("}\n");
            }

            files.Add(new FuzzFile($"Input{file}.cs", text.ToString()));
        }

        for (var i = 0; i < _extraFiles.Count; i++)
        {
            files.Add(new FuzzFile($"Extra{i}.cs", Usings + _extraFiles[i]));
        }

        var probe = _probe.Count == 0 || _expected.Count > 0
            ? null
            : "using System.Collections.Generic;\n\nnamespace FuzzProbe;\n\n" + (ObsoleteProbe ? "[System.Obsolete(\"probes obsolete types\")]\n" : "")
              + "public static class Probe\n{\n    public static string[] Run()\n    {\n        var failures = new List<string>();\n        "
              + string.Join("\n        ", _probe) + "\n        return failures.ToArray();\n    }\n}\n";
        return new FuzzCase(seed, index, scenario, files, [.. _expected.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], probe);
    }

    private static string Indent(string text, string indent) =>
        string.Join("\n", text.Split('\n').Select(line => line.Length == 0 ? line : indent + line));

    public static string Literal(string value) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);
}

internal static class RandomExtensions
{
    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
