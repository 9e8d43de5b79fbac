using Microsoft.CodeAnalysis;

namespace Faustish.Analyzers.Diagnostics;

/// <summary>
/// Every diagnostic Faustish reports, in one place. Ids are <c>FSH</c> + four digits by area:
/// 00xx declarations, 01xx agents, 02xx tables, 03xx topics and partitioning, 04xx serialization,
/// 05xx configuration, windows and schedules. Each id has a page under <c>docs/diagnostics/</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Declarations = "Faustish.Declarations";
    private const string Agents = "Faustish.Agents";
    private const string Tables = "Faustish.Tables";
    private const string Topics = "Faustish.Topics";
    private const string Serialization = "Faustish.Serialization";
    private const string Configuration = "Faustish.Configuration";

    private const string HelpBase = "https://github.com/faustish/faustish/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category,
        DiagnosticSeverity severity, string description, params string[] tags) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description, HelpBase + id + ".md", tags);

    private const string CompilationEnd = WellKnownDiagnosticTags.CompilationEnd;

    // ---- 00xx declarations ----

    public static readonly DiagnosticDescriptor ClassNotPartial = Rule("FSH0001",
        "Faustish class must be partial",
        "'{0}' is a Faustish {1} and must be declared 'partial', so the generator can add to it",
        Declarations, DiagnosticSeverity.Error,
        "The generator completes topic, table and agent classes (constructors, consumer loops, registration). It skips a class that is not partial, which then does nothing at run time.");

    public static readonly DiagnosticDescriptor WrongBaseType = Rule("FSH0002",
        "Faustish class derives from the wrong base",
        "'{0}' is marked [{1}] and must be {2}",
        Declarations, DiagnosticSeverity.Error,
        "A [Topic] class derives directly from Faustish.Topic<TKey, TValue>; a [Table] class directly from Faustish.Table<TKey, TValue>, WindowedTable<TKey, TValue> or GlobalTable<TKey, TValue> (the generated constructor calls the base's). The base's type arguments are the key and value types. An [Agent] is a class or a record class.");

    public static readonly DiagnosticDescriptor ConstructorDeclared = Rule("FSH0003",
        "Topic and table classes must not declare constructors",
        "'{0}' declares a constructor; the generator provides the constructor of a [{1}] class",
        Declarations, DiagnosticSeverity.Error,
        "The generator emits the constructor of every topic and table class, wiring its definition, codecs and store. A constructor written by hand conflicts with it.");

    public static readonly DiagnosticDescriptor GenericClass = Rule("FSH0004",
        "Faustish class must not be generic",
        "'{0}' is a Faustish {1} and must not have type parameters; close the types in its declaration",
        Declarations, DiagnosticSeverity.Error,
        "Topics, tables and agents are instantiated by generated code that must know every type at compile time.");

    public static readonly DiagnosticDescriptor SeveralRoles = Rule("FSH0005",
        "Class has several Faustish attributes",
        "'{0}' is marked both [{1}] and [{2}]; a class is either a topic, a table or an agent",
        Declarations, DiagnosticSeverity.Error,
        "Each Faustish class has one role. Declare separate classes for the topic, the table and the agent.");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Rule("FSH0006",
        "Containing type of a Faustish class must be partial",
        "'{0}' is nested in '{1}', which must be declared 'partial' too",
        Declarations, DiagnosticSeverity.Error,
        "The generator adds to a nested class by re-declaring its containing types, so every containing type must be partial.");

    public static readonly DiagnosticDescriptor UnreachableClass = Rule("FSH0007",
        "Faustish class is not reachable from generated code",
        "'{0}' is a Faustish {1}, but {2}; make it and the types that contain it public or internal",
        Declarations, DiagnosticSeverity.Error,
        "The app model and the agents' generated code refer to topics, tables and agents from other files of the assembly, so none of them, nor a type that contains them, can be private, protected or file-local.");

    public static readonly DiagnosticDescriptor NotInstantiable = Rule("FSH0008",
        "Faustish class is abstract or static",
        "'{0}' is a Faustish {1} and must not be {2}; the generated code creates its instances",
        Declarations, DiagnosticSeverity.Error,
        "The generated code creates one instance of a topic per sender, of a table per partition and of an agent per partition, so the class can be neither abstract nor static.");

    public static readonly DiagnosticDescriptor ReservedName = Rule("FSH0009",
        "Faustish class uses a name the generator needs",
        "'{0}' {1}; rename it",
        Declarations, DiagnosticSeverity.Error,
        "The generator adds a static member named Definition to every topic, table and agent class. A class of that name, or a member of that name declared in the class, would clash with it.");

    public static readonly DiagnosticDescriptor ReservedNamespace = Rule("FSH0010",
        "Type declared in a namespace reserved for generated code",
        "'{0}' is declared in '{1}', which is reserved for the code Faustish generates; move it to another namespace",
        Declarations, DiagnosticSeverity.Error,
        "The generated JSON codecs live in Faustish.Generated.Codecs. A type of your own there could clash with one of them, and a type named Faustish.Generated or Faustish.Generated.Codecs clashes with the namespace itself.");

    public static readonly DiagnosticDescriptor RequiredMembers = Rule("FSH0011",
        "Faustish class has required members",
        "'{0}' is a Faustish {1} with required members ({2}), which the generated code cannot set when it creates it",
        Declarations, DiagnosticSeverity.Error,
        "The generated code creates topics, tables and agents with 'new' and sets no members. Give the value through the constructor instead (an agent's dependencies), or mark the agent's constructor [SetsRequiredMembers] when it sets them itself.");

    // ---- 01xx agents ----

    public static readonly DiagnosticDescriptor NoProcessingMethod = Rule("FSH0100",
        "Agent has no processing method",
        "Agent '{0}' has no processing method; add 'public void Process({1} key, {2} value)' or 'public ValueTask ProcessAsync({1} key, {2} value)'",
        Agents, DiagnosticSeverity.Error,
        "An agent processes each record of its topic in one public instance method named Process or ProcessAsync.");

    public static readonly DiagnosticDescriptor SeveralProcessingMethods = Rule("FSH0101",
        "Agent has several processing methods",
        "Agent '{0}' has several processing methods ('{1}' and '{2}'); keep exactly one",
        Agents, DiagnosticSeverity.Error,
        "The generator calls exactly one method per record. Rename or make non-public the helpers that are not the processing method.");

    public static readonly DiagnosticDescriptor ProcessingMethodParameters = Rule("FSH0102",
        "Processing method parameters do not match the topic",
        "'{0}' must take ({1} key, {2} value), ({1} key, {2} value, EventContext context) or (Stream<{1}, {2}> stream), the key and value types of topic '{3}'",
        Agents, DiagnosticSeverity.Error,
        "The processing method's first two parameters are the topic's key and value types; an optional third parameter of type Faustish.Agents.EventContext gives the partition, offset and timestamp. A stream agent takes the topic's stream instead, Faustish.Stream<TKey, TValue>, and returns Task or ValueTask.");

    public static readonly DiagnosticDescriptor ProcessingMethodReturnType = Rule("FSH0103",
        "Processing method returns an unsupported type",
        "'{0}' returns '{1}'; a processing method returns void, ValueTask or Task (a stream agent's: ValueTask or Task)",
        Agents, DiagnosticSeverity.Error,
        "The consumer loop waits for the processing method before it processes the next record, so it must return void, System.Threading.Tasks.ValueTask or System.Threading.Tasks.Task.");

    public static readonly DiagnosticDescriptor AsyncVoidProcessingMethod = Rule("FSH0104",
        "Processing method is async void",
        "'{0}' is 'async void': the agent cannot wait for it, so records would be committed before they are processed and failures would crash the process; return ValueTask",
        Agents, DiagnosticSeverity.Error,
        "An async void method returns at its first await. The consumer loop would move on, commit the record and lose any exception. Return ValueTask instead.");

    public static readonly DiagnosticDescriptor AgentTopicNotATopic = Rule("FSH0105",
        "Agent subscribes to a type that is not a topic",
        "Agent '{0}' subscribes to '{1}', which is not a [Topic] class",
        Agents, DiagnosticSeverity.Error,
        "[Agent(typeof(T))] takes a class marked [Topic] that derives from Faustish.Topic<TKey, TValue>.");

    public static readonly DiagnosticDescriptor BlockingCall = Rule("FSH0106",
        "Blocking call inside an agent",
        "'{0}' blocks the agent's worker thread, which stalls every partition it owns; make the method ProcessAsync and await instead",
        Agents, DiagnosticSeverity.Warning,
        "Agents run a few worker threads for many partitions. A blocking wait holds one of them and stops every partition on it.");

    public static readonly DiagnosticDescriptor ProcessingMethodNotPublic = Rule("FSH0107",
        "Processing method is not a public instance method",
        "'{0}' looks like a processing method but is not a public, non-generic instance method, so the generator does not call it",
        Agents, DiagnosticSeverity.Error,
        "The generator calls a public instance method named Process or ProcessAsync. A private, static or generic one is not called.");

    public static readonly DiagnosticDescriptor AgentConstructorParameter = Rule("FSH0108",
        "Agent constructor parameter cannot be supplied",
        "Agent '{0}' takes '{1}' in its constructor, which the generated code cannot supply: {2}",
        Agents, DiagnosticSeverity.Error,
        "The generated code passes each constructor parameter by value: a table, a topic, or a service from dependency injection. A ref or out parameter, a ref struct or a pointer cannot be passed that way.");

    public static readonly DiagnosticDescriptor AgentConstructors = Rule("FSH0109",
        "Agent has no single constructor to call",
        "Agent '{0}' has {1}; the generated code calls its one public or internal constructor, so declare exactly one",
        Agents, DiagnosticSeverity.Error,
        "The generated code creates the agent for each partition through its only public or internal constructor. With none, or several, it cannot choose.");

    public static readonly DiagnosticDescriptor DuplicateAgentName = Rule("FSH0110",
        "Duplicate agent name",
        "Agent name '{0}' is also used by '{1}'; agent names (and so their consumer groups) must be unique in an assembly",
        Agents, DiagnosticSeverity.Error,
        "An agent's name names its consumer group. Two agents of one name would share a group and each process only part of the topic. The name is [Agent(Name = ...)] or the class name in kebab case, so two classes of one name in different namespaces clash too.", CompilationEnd);

    // ---- 02xx tables ----

    public static readonly DiagnosticDescriptor InvalidTableName = Rule("FSH0200",
        "Invalid table name",
        "Table name '{0}' is not valid: {1}",
        Tables, DiagnosticSeverity.Error,
        "A table's name names its changelog topic, so it follows Kafka's topic name rules: 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-', and not '.' or '..'.");

    public static readonly DiagnosticDescriptor NegativeTablePartitions = Rule("FSH0201",
        "Table partition count is negative",
        "Table '{0}' declares Partitions = {1}; use a positive count, or 0 to follow its source topic",
        Tables, DiagnosticSeverity.Error,
        "A table's Partitions is 0 (the partition count of the topic of the agent that writes it) or a positive number.");

    public static readonly DiagnosticDescriptor DuplicateTableName = Rule("FSH0202",
        "Duplicate table name",
        "Table name '{0}' is also used by '{1}'; table names must be unique in an assembly",
        Tables, DiagnosticSeverity.Error,
        "Two tables with the same name would share one changelog topic and overwrite each other's state.", CompilationEnd);

    public static readonly DiagnosticDescriptor TableWrittenOutsideAgent = Rule("FSH0203",
        "Table written outside an agent",
        "Table '{0}' is written in '{1}', outside an agent's processing; only agents write tables, on the worker that owns the partition",
        Tables, DiagnosticSeverity.Error,
        "A table partition belongs to the worker that processes the matching topic partition. Writes from elsewhere race with it and never reach the changelog in order.");

    public static readonly DiagnosticDescriptor TablePartitionMismatch = Rule("FSH0204",
        "Table partitions differ from the agent's topic",
        "Table '{0}' declares {1} partitions, but agent '{2}' writes it from topic '{3}', which has {4}; tables must be co-partitioned with the topic of the agent that writes them",
        Tables, DiagnosticSeverity.Error,
        "A table's partition n is owned by the worker of the source topic's partition n. With different counts, keys land in partitions no worker owns consistently. Remove Partitions (0 follows the topic) or make the counts equal.");

    public static readonly DiagnosticDescriptor TableWritersPartitionMismatch = Rule("FSH0205",
        "Table written by agents of topics with different partition counts",
        "Table '{0}' is written by agent '{1}' (topic '{2}', {3} partitions) and by agent '{4}' (topic '{5}', {6} partitions); a table can be co-partitioned with only one partition count",
        Tables, DiagnosticSeverity.Error,
        "All agents that write a table must consume topics with the same partition count, otherwise the table cannot be co-partitioned with all of them.", CompilationEnd);

    public static readonly DiagnosticDescriptor TableValueMutatedInPlace = Rule("FSH0206",
        "Table value changed in place but not written back",
        "The value read from table '{0}' is changed in place but never written back; values are copied out of the store, so assign it back with '{0}[key] = value'",
        Tables, DiagnosticSeverity.Warning,
        "Reading a table value gives a copy. Changing it without assigning it back loses the change (Faust's classic lost update).");

    public static readonly DiagnosticDescriptor TableParameterNotDeclared = Rule("FSH0207",
        "Agent takes a table class without [Table]",
        "Agent '{0}' takes '{1}', which derives from Table<,> but is not marked [Table]",
        Tables, DiagnosticSeverity.Error,
        "The generator can only hand an agent tables it knows: classes marked [Table].");

    public static readonly DiagnosticDescriptor NullableTableKey = Rule("FSH0208",
        "Table key type is nullable",
        "Table '{0}' has the nullable key type '{1}'; table keys are never null, so use '{2}'",
        Tables, DiagnosticSeverity.Error,
        "A table's store and changelog key every value by its key, so a table has no null key. Declare the key type without '?'.");

    // ---- 03xx topics and partitioning ----

    public static readonly DiagnosticDescriptor InvalidTopicName = Rule("FSH0300",
        "Invalid topic name",
        "Topic name '{0}' is not valid: {1}",
        Topics, DiagnosticSeverity.Error,
        "Kafka topic names are 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-', and not '.' or '..'.");

    public static readonly DiagnosticDescriptor TopicPartitionsLessThanOne = Rule("FSH0301",
        "Topic partition count is less than one",
        "Topic '{0}' declares Partitions = {1}; a topic has at least one partition",
        Topics, DiagnosticSeverity.Error,
        "A topic has one or more partitions.");

    public static readonly DiagnosticDescriptor DuplicateTopicName = Rule("FSH0302",
        "Duplicate topic name",
        "Topic name '{0}' is also used by '{1}'; topic names must be unique in an assembly",
        Topics, DiagnosticSeverity.Error,
        "Two topic classes with the same name would read and write one stream with possibly different types and partition counts.", CompilationEnd);

    public static readonly DiagnosticDescriptor TopicParameterNotDeclared = Rule("FSH0303",
        "Agent takes a topic class without [Topic]",
        "Agent '{0}' takes '{1}', which derives from Topic<,> but is not marked [Topic]",
        Topics, DiagnosticSeverity.Error,
        "The generator can only hand an agent topics it knows: classes marked [Topic].");

    // ---- 04xx serialization ----

    public static readonly DiagnosticDescriptor UnsupportedType = Rule("FSH0400",
        "Key or value type cannot be serialized",
        "The {0} type of '{1}' cannot be serialized: '{2}' {3}",
        Serialization, DiagnosticSeverity.Error,
        "Generated codecs handle strings, numbers, bool, char, enums, DateTime, DateTimeOffset, TimeSpan, Guid, byte[], arrays, lists, string-keyed dictionaries, and records, classes and structs built from those, with the System.Text.Json attributes that keep JsonSerializer's web defaults (names, order, ignore conditions, required members, constructors). The generator and this analyzer decide with the same rules.");

    public static readonly DiagnosticDescriptor CyclicType = Rule("FSH0401",
        "Key or value type contains a cycle",
        "The {0} type of '{1}' cannot be serialized: '{2}' refers back to '{3}', a cycle the JSON codec cannot encode",
        Serialization, DiagnosticSeverity.Error,
        "A type that contains itself, directly or through other types, has no finite JSON shape for the generated codec.");

    // ---- 05xx configuration and windows ----

    public static readonly DiagnosticDescriptor InvalidWindow = Rule("FSH0500",
        "Window specification is not valid",
        "Window '{0}' of table '{1}' is not valid: {2}",
        Configuration, DiagnosticSeverity.Error,
        "Window is 'tumbling <size>', 'hopping <size> every <step>', 'sliding <size>' or 'session <gap>', each optionally followed by 'grace <duration>'. Durations are a positive number with ms, s, m, h or d.");

    public static readonly DiagnosticDescriptor InvalidExpires = Rule("FSH0501",
        "Expires is not a duration",
        "Expires '{0}' of table '{1}' is not valid: {2}",
        Configuration, DiagnosticSeverity.Error,
        "Expires is a positive duration such as '30s', '15m', '1h' or '7d'.");

    public static readonly DiagnosticDescriptor GraceExceedsRetention = Rule("FSH0502",
        "Window retention is shorter than its size plus grace",
        "Table '{0}' keeps windows for {1} (Expires), less than their size plus grace ({2}); windows would be dropped while still open or accepting late events",
        Configuration, DiagnosticSeverity.Error,
        "Retention (Expires) must cover a window's whole life: its size (a session's gap) plus the grace period for late events. Otherwise windows disappear while events still update them.");

    public static readonly DiagnosticDescriptor ExpiresWithoutWindow = Rule("FSH0503",
        "Expires without Window",
        "Table '{0}' sets Expires but no Window; retention applies only to windowed tables",
        Configuration, DiagnosticSeverity.Error,
        "Expires is the retention of a windowed table's windows. A table without Window keeps its keys until they are removed.");

    public static readonly DiagnosticDescriptor WindowDoesNotMatchBase = Rule("FSH0506",
        "Window setting does not match the table's base class",
        "Table '{0}' {1}",
        Configuration, DiagnosticSeverity.Error,
        "Windows belong to WindowedTable<TKey, TValue>: a Table<TKey, TValue> ignores Window, and a WindowedTable without Window cannot assign events to windows.");

    public static readonly DiagnosticDescriptor InvalidTableSetting = Rule("FSH0507",
        "Table setting is out of range",
        "Table '{0}' sets {1} = {2}, which is not {3}",
        Configuration, DiagnosticSeverity.Error,
        "Late, CloseOn and RelativeTo take the members of their enums (LateEvents, WindowClose, WindowTime); a cast of another number means nothing to the runtime.");

    public static readonly DiagnosticDescriptor InvalidTableSource = Rule("FSH0511",
        "Table cannot be fed by its Source",
        "Table '{0}' cannot be fed by its Source: {1}",
        Configuration, DiagnosticSeverity.Error,
        "A table fed by a topic holds the topic's records as they are (the latest value of each key), so Source must be a [Topic] class with the table's key and value types; windowed tables are built by agents from events and have no Source.");

    public static readonly DiagnosticDescriptor InvalidTopicTimestamp = Rule("FSH0512",
        "Topic's Timestamp names nothing that gives event times",
        "Topic '{0}' cannot take event times from Timestamp = \"{1}\": {2}",
        Configuration, DiagnosticSeverity.Error,
        "Timestamp names where an event's time comes from: a DateTimeOffset, DateTime (read as UTC) or long (Unix milliseconds) property or field of the topic's value type, or a static method declared on the topic class itself, static long Name(TKey key, TValue value, long recordTimestampMs) (or returning DateTimeOffset). The agents' generated loops read it directly, so it must exist, be public or internal, and have that type or signature.");

    public static readonly DiagnosticDescriptor InvalidConcurrency = Rule("FSH0504",
        "Agent concurrency is less than one",
        "Agent '{0}' declares Concurrency = {1}; at least one worker must run it",
        Configuration, DiagnosticSeverity.Error,
        "Concurrency is the number of worker threads sharing the agent's partitions: one or more.");

    public static readonly DiagnosticDescriptor InvalidAgentName = Rule("FSH0505",
        "Invalid agent name",
        "Agent name '{0}' is not valid: {1}",
        Configuration, DiagnosticSeverity.Error,
        "An agent's name becomes part of its consumer group id: non-empty, at most 200 characters of a-z, A-Z, 0-9, '.', '_' and '-'.");

    // ---- timers and hooks: 01xx (where they go), 05xx (their schedules) ----

    public static readonly DiagnosticDescriptor ScheduledMethodOutsideAgent = Rule("FSH0111",
        "Timer or hook on a class that is not an agent",
        "[{0}] on '{1}' never runs: '{2}' is not an [Agent] class; move the method to an agent, whose worker runs it",
        Agents, DiagnosticSeverity.Error,
        "[Timer], [Crontab], [OnStart] and [OnStop] methods run on an agent's worker, with the agent's tables and topics. On any other class nothing calls them.");

    public static readonly DiagnosticDescriptor ScheduledMethodSignature = Rule("FSH0112",
        "Timer or hook method cannot be called",
        "[{0}] method '{1}' cannot be called by the worker: {2}",
        Agents, DiagnosticSeverity.Error,
        "A timer or hook is a public or internal, non-generic instance method of the agent that takes no parameters (or one CancellationToken, cancelled when the worker stops) and returns void or Task.");

    // ---- stream agents: 01xx ----

    public static readonly DiagnosticDescriptor ReplyTypeWithoutCodec = Rule("FSH0113",
        "Agent replies with a type that has no codec",
        "Agent '{0}' yields replies of type '{1}', which has no codec; reply with a string, int, long or double, or with the topic's key type '{2}' or value type '{3}'",
        Agents, DiagnosticSeverity.Error,
        "A replying stream agent's replies go to the asker through the app's replies topic, written with a codec: Kafka's primitive encodings (string, int, long, double) or the codec of the agent's topic's key or value type.");

    public static readonly DiagnosticDescriptor GroupByNotDeclarable = Rule("FSH0114",
        "GroupBy cannot be declared at compile time",
        "GroupBy on the stream of an agent cannot get its repartition topic: {0}",
        Agents, DiagnosticSeverity.Error,
        "The generator declares each GroupBy's repartition topic ({app}-{agent}-{name}-repartition) from the call in the agent's method: its name must be a constant string and its key type must have a primitive encoding (string, int, long or double). Otherwise the GroupBy fails when the agent starts.");

    public static readonly DiagnosticDescriptor InvalidJoin = Rule("FSH0115",
        "Join cannot run",
        "Join agent '{0}' cannot run: {1}",
        Agents, DiagnosticSeverity.Error,
        "A join agent reads partition n of its own topic and of the [Join] topic together and matches records by key, so the two topics must have the same key type and partition count; its Window must follow the join window grammar; both values must be reference types, since a missing side is null; parameters that can receive null must be nullable; and its method returns void.");

    public static readonly DiagnosticDescriptor InvalidTimerInterval = Rule("FSH0508",
        "Timer interval is not valid",
        "[Timer] on '{0}': {1}",
        Configuration, DiagnosticSeverity.Error,
        "A [Timer] interval is a positive duration: a whole number and a unit (500ms, 10s, 1m, 1h, 1d), or a TimeSpan such as 00:00:10.");

    public static readonly DiagnosticDescriptor InvalidCronExpression = Rule("FSH0509",
        "Cron expression is not valid",
        "[Crontab] on '{0}': '{1}' is not a cron expression ({2}); write five fields (minute hour day-of-month month day-of-week), e.g. \"*/5 * * * *\", or six with seconds first",
        Configuration, DiagnosticSeverity.Error,
        "Crontab expressions are read by Cronos: five fields (minute, hour, day of month, month, day of week) or six with seconds first.");

    public static readonly DiagnosticDescriptor UnknownTimeZone = Rule("FSH0510",
        "Time zone does not exist",
        "[Crontab] on '{0}': time zone '{1}' does not exist; use an IANA id such as \"Europe/Paris\", \"America/New_York\" or \"UTC\"",
        Configuration, DiagnosticSeverity.Error,
        "TimeZone names the zone the cron expression is read in, as TimeZoneInfo.FindSystemTimeZoneById takes it. Leave it out for UTC.");
}
