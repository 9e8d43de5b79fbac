using System;

namespace Faustish.Transport.Embedded;

/// <summary>Checks the names that become file and directory names on disk.</summary>
internal static class EmbeddedNames
{
    public const int MaxLength = 249;

    /// <summary>Kafka's rule for topic names: 1 to 249 characters of <c>[a-zA-Z0-9._-]</c>, and not "." or "..".</summary>
    public static void ValidateTopic(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!IsValid(topic))
        {
            throw new ArgumentException(
                $"Topic name '{topic}' is not valid: use 1 to {MaxLength} characters among letters a-z and A-Z, digits, '.', '_' and '-' (and not '.' or '..'), as Kafka requires.",
                nameof(topic));
        }
    }

    /// <summary>Group ids name a file of committed positions, so they follow the same rule as topics.</summary>
    public static void ValidateGroup(string groupId)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        if (!IsValid(groupId))
        {
            throw new ArgumentException(
                $"Group id '{groupId}' is not valid for the embedded transport: use 1 to {MaxLength} characters among letters a-z and A-Z, digits, '.', '_' and '-' (and not '.' or '..').",
                nameof(groupId));
        }
    }

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > MaxLength || name == "." || name == "..")
        {
            return false;
        }

        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
