namespace Faustish.Analyzers.Model;

/// <summary>Kafka's naming rules for topics (and tables, whose names name changelog topics) and consumer groups.</summary>
internal static class Names
{
    public const int MaxTopicNameLength = 249;

    /// <summary>Why <paramref name="name"/> is not a valid Kafka topic name, or null when it is.</summary>
    public static string? ValidateTopicName(string? name)
    {
        if (name is null || name.Length == 0)
        {
            return "it is empty";
        }

        if (name.Length > MaxTopicNameLength)
        {
            return $"it has {name.Length} characters, more than Kafka's {MaxTopicNameLength}";
        }

        if (name is "." or "..")
        {
            return "'.' and '..' are reserved";
        }

        return FirstInvalid(name);
    }

    /// <summary>Why <paramref name="name"/> is not a valid agent name, or null when it is.</summary>
    public static string? ValidateAgentName(string? name)
    {
        if (name is null || name.Length == 0)
        {
            return "it is empty";
        }

        return name.Length > 200 ? $"it has {name.Length} characters, more than 200" : FirstInvalid(name);
    }

    private static string? FirstInvalid(string name)
    {
        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
            if (!ok)
            {
                return c == ' '
                    ? "it contains a space; use only a-z, A-Z, 0-9, '.', '_' and '-'"
                    : $"it contains '{c}'; use only a-z, A-Z, 0-9, '.', '_' and '-'";
            }
        }

        return null;
    }
}
