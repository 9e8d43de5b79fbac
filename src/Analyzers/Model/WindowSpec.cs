using System;
using System.Globalization;

namespace Faustish.Analyzers.Model;

/// <summary>
/// A parsed window specification: <c>tumbling &lt;size&gt;</c>, <c>hopping &lt;size&gt; every &lt;step&gt;</c>,
/// <c>sliding &lt;size&gt;</c> or <c>session &lt;gap&gt;</c>, each optionally followed by <c>grace &lt;duration&gt;</c>.
/// </summary>
internal sealed class WindowSpec
{
    private static readonly char[] Separators = [' ', '\t'];

    private WindowSpec(string kind, TimeSpan size, TimeSpan? step, TimeSpan grace, string? graceText)
    {
        Kind = kind;
        Size = size;
        Step = step;
        Grace = grace;
        GraceText = graceText;
    }

    public string Kind { get; }

    public TimeSpan Size { get; }

    public TimeSpan? Step { get; }

    public TimeSpan Grace { get; }

    /// <summary>The grace as the user wrote it, or null when not given.</summary>
    public string? GraceText { get; }

    /// <summary>A duration in the largest unit that writes it exactly: <c>90s</c>, <c>1m</c>, <c>2h</c>, <c>1500ms</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        var milliseconds = (long)duration.TotalMilliseconds;
        (long Size, string Unit)[] units = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
        foreach (var (size, unit) in units)
        {
            if (milliseconds != 0 && milliseconds % size == 0)
            {
                return (milliseconds / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    /// <summary>Parses <paramref name="text"/>; on failure returns null and says why in <paramref name="error"/>.</summary>
    public static WindowSpec? TryParse(string text, out string? error)
    {
        var tokens = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
        {
            error = "it is empty; write e.g. 'tumbling 1m'";
            return null;
        }

        var kind = tokens[0].ToLowerInvariant();
        if (kind is not ("tumbling" or "hopping" or "sliding" or "session"))
        {
            error = $"'{tokens[0]}' is not a window kind; use tumbling, hopping, sliding or session";
            return null;
        }

        var what = kind == "session" ? "gap" : "size";
        if (tokens.Length < 2)
        {
            error = $"a {kind} window needs a {what}, e.g. '{kind} 1m'";
            return null;
        }

        if (!TryParseDuration(tokens[1], out var size, out error))
        {
            return null;
        }

        if (size <= TimeSpan.Zero)
        {
            error = $"the {what} must be greater than zero";
            return null;
        }

        var index = 2;
        TimeSpan? step = null;
        if (kind == "hopping")
        {
            if (tokens.Length < 4 || !string.Equals(tokens[2], "every", StringComparison.OrdinalIgnoreCase))
            {
                error = "a hopping window needs a step: 'hopping <size> every <step>'";
                return null;
            }

            if (!TryParseDuration(tokens[3], out var hop, out error))
            {
                return null;
            }

            if (hop <= TimeSpan.Zero)
            {
                error = "the step must be greater than zero";
                return null;
            }

            if (hop > size)
            {
                error = $"the step {tokens[3]} is longer than the size {tokens[1]}, which would leave gaps between windows";
                return null;
            }

            step = hop;
            index = 4;
        }

        var grace = TimeSpan.Zero;
        string? graceText = null;
        if (index < tokens.Length)
        {
            if (!string.Equals(tokens[index], "grace", StringComparison.OrdinalIgnoreCase) || index + 1 >= tokens.Length)
            {
                error = $"unexpected '{tokens[index]}'; only 'grace <duration>' may follow the {what}";
                return null;
            }

            if (!TryParseDuration(tokens[index + 1], out grace, out error))
            {
                return null;
            }

            graceText = tokens[index + 1];
            index += 2;
        }

        if (index < tokens.Length)
        {
            error = $"unexpected '{tokens[index]}' at the end";
            return null;
        }

        error = null;
        return new WindowSpec(kind, size, step, grace, graceText);
    }

    /// <summary>Parses durations such as <c>500ms</c>, <c>30s</c>, <c>1m</c>, <c>2h</c>, <c>1d</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        var digits = 0;
        while (digits < text.Length && text[digits] is >= '0' and <= '9')
        {
            digits++;
        }

        var unit = text.Substring(digits);
        if (digits == 0 || !long.TryParse(text.Substring(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"'{text}' is not a duration; write a number and a unit, e.g. 500ms, 30s, 1m, 2h, 1d";
            return false;
        }

        long? ms = unit switch
        {
            "ms" => amount,
            "s" => amount * 1000,
            "m" => amount * 60_000,
            "h" => amount * 3_600_000,
            "d" => amount * 86_400_000,
            _ => null,
        };
        if (ms is null || amount > 100_000_000_000)
        {
            error = ms is null
                ? $"'{text}' has no known unit; use ms, s, m, h or d"
                : $"'{text}' is too long a duration";
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms.Value);
        error = null;
        return true;
    }
}
