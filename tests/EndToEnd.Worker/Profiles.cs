using Faustish;

namespace Faustish.EndToEnd.Worker;

[Topic("profiles", Partitions = 2)]
public sealed partial class Profiles : Topic<long, string>;

[Topic("greetings", Partitions = 3)]
public sealed partial class Greetings : Topic<long, long>;

/// <summary>User names, held whole by every worker.</summary>
[Table("user-names", Partitions = 4)]
public sealed partial class UserNames : GlobalTable<long, string>;

[Table("greeted")]
public sealed partial class Greeted : Table<long, string>;

/// <summary>Writes the global table from a topic of 2 partitions.</summary>
[Agent(typeof(Profiles))]
public sealed partial class StoreProfiles(UserNames names)
{
    public void Process(long user, string name) => names[user] = name;
}

/// <summary>Reads the global table from a topic of 3 partitions: every user's name is local, whatever the partition.</summary>
[Agent(typeof(Greetings))]
public sealed partial class Greet(UserNames names, Greeted greeted)
{
    public void Process(long user, long unused) =>
        greeted[user] = names.TryGetValue(user, out var name) ? $"hello {name}" : "hello stranger";
}
