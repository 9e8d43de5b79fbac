using System;
using System.Globalization;

namespace Faustish.Tables.Windows;

/// <summary>The four kinds of windows.</summary>
public enum WindowKind
{
    /// <summary>Fixed-size, non-overlapping windows aligned to the epoch: <c>tumbling 1m</c>.</summary>
    Tumbling,

    /// <summary>Fixed-size windows that start every <c>step</c> and overlap: <c>hopping 10m every 1m</c>.</summary>
    Hopping,

    /// <summary>
    /// Windows of <c>size</c> defined by the events themselves (Kafka Streams' KIP-450): for each event, the window that ends
    /// at it and, when a later event follows within the size, the window that starts just after it: <c>sliding 5m</c>.
    /// </summary>
    Sliding,

    /// <summary>Per-key activity sessions that close after <c>gap</c> without events: <c>session 30m</c>.</summary>
    Session,
}

/// <summary>
/// A windowed table's <c>Window</c> and <c>Expires</c>, parsed. Grammar (the analyzers check the same one at
/// compile time): <c>tumbling &lt;size&gt;</c>, <c>hopping &lt;size&gt; every &lt;step&gt;</c>,
/// <c>sliding &lt;size&gt;</c> or <c>session &lt;gap&gt;</c>, each optionally followed by <c>grace &lt;duration&gt;</c>;
/// durations are a whole number with <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>. <c>Expires</c> (retention) defaults
/// to size + grace (gap + grace for sessions) and may not be shorter.
/// </summary>
/// <remarks>
/// Times are Unix milliseconds. When each kind of window closes (no more writes; the close callback fires) and
/// expires (removed from store and changelog), with <c>C</c> the table's time (stream time; see <see cref="WindowClose"/>):
/// <list type="bullet">
/// <item>tumbling/hopping <c>[start, end)</c>: closed when <c>end + grace ≤ C</c>; expired when <c>start + retention ≤ C</c> (Kafka Streams).</item>
/// <item>sliding <c>[start, start + size]</c> (both inclusive): closed when <c>end + 1 + grace ≤ C</c> (Kafka Streams updates a sliding
/// window only while <c>end ≥ C - grace</c>); expired when <c>start + retention ≤ C</c>.</item>
/// <item>session <c>[first, last]</c> (both inclusive): closed when <c>last + gap + 1 + grace ≤ C</c> (Kafka Streams'
/// <c>last &lt; C - grace - gap</c>). An event is late when the session it makes, merged with every session within the gap of it,
/// is closed; so an event within the gap of a closed session still merges it into a later, open one (as in Kafka Streams).
/// Expired when <c>last + 1 + retention ≤ C</c>.</item>
/// </list>
/// No window starts before time 0 (Kafka's rule): tumbling and hopping windows that would start before 0 do not exist, and a
/// sliding window of an event earlier than <c>size</c> is <c>[0, size]</c>.
/// </remarks>
public sealed class WindowSpec
{
    private static readonly char[] Separators = [' ', '\t'];

    private WindowSpec(WindowKind kind, long sizeMs, long stepMs, long graceMs, long retentionMs, string text)
    {
        Kind = kind;
        SizeMs = sizeMs;
        StepMs = stepMs;
        GraceMs = graceMs;
        RetentionMs = retentionMs;
        Text = text;
    }

    public WindowKind Kind { get; }

    /// <summary>Window size; for sessions, the inactivity gap.</summary>
    public long SizeMs { get; }

    /// <summary>Distance between window starts (tumbling: the size; sliding and session: 0).</summary>
    public long StepMs { get; }

    public long GraceMs { get; }

    /// <summary>How long windows are kept (the table's <c>Expires</c>).</summary>
    public long RetentionMs { get; }

    /// <summary>The specification as written.</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>Parses a table's window and retention, or throws <see cref="InvalidOperationException"/> saying what to change.</summary>
    public static WindowSpec Parse(string tableName, string? window, string? expires) =>
        TryParse(window, expires, out var spec, out var error)
            ? spec!
            : throw new InvalidOperationException($"Windowed table '{tableName}' has a bad window specification: {error}. " +
                "Set [Table(Window = ..., Expires = ...)], e.g. Window = \"tumbling 1m grace 10s\", Expires = \"1h\".");

    /// <summary>Parses a window and retention; on failure returns false and says why in <paramref name="error"/>.</summary>
    public static bool TryParse(string? window, string? expires, out WindowSpec? spec, out string? error)
    {
        spec = null;
        var tokens = (window ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
        {
            error = "Window is missing or empty; write e.g. 'tumbling 1m'";
            return false;
        }

        var kindText = tokens[0].ToLowerInvariant();
        WindowKind kind;
        switch (kindText)
        {
            case "tumbling": kind = WindowKind.Tumbling; break;
            case "hopping": kind = WindowKind.Hopping; break;
            case "sliding": kind = WindowKind.Sliding; break;
            case "session": kind = WindowKind.Session; break;
            default:
                error = $"'{tokens[0]}' is not a window kind; use tumbling, hopping, sliding or session";
                return false;
        }

        var what = kind == WindowKind.Session ? "gap" : "size";
        if (tokens.Length < 2)
        {
            error = $"a {kindText} window needs a {what}, e.g. '{kindText} 1m'";
            return false;
        }

        if (!TryParseDuration(tokens[1], out var size, out error))
        {
            return false;
        }

        if (size <= 0)
        {
            error = $"the {what} must be greater than zero";
            return false;
        }

        var index = 2;
        var step = kind == WindowKind.Tumbling ? size : 0;
        if (kind == WindowKind.Hopping)
        {
            if (tokens.Length < 4 || !string.Equals(tokens[2], "every", StringComparison.OrdinalIgnoreCase))
            {
                error = "a hopping window needs a step: 'hopping <size> every <step>'";
                return false;
            }

            if (!TryParseDuration(tokens[3], out step, out error))
            {
                return false;
            }

            if (step <= 0 || step > size)
            {
                error = step <= 0 ? "the step must be greater than zero" : $"the step {tokens[3]} is longer than the size {tokens[1]}, which would leave gaps between windows";
                return false;
            }

            index = 4;
        }

        long grace = 0;
        if (index < tokens.Length)
        {
            if (!string.Equals(tokens[index], "grace", StringComparison.OrdinalIgnoreCase) || index + 1 >= tokens.Length)
            {
                error = $"unexpected '{tokens[index]}'; only 'grace <duration>' may follow the {what}";
                return false;
            }

            if (!TryParseDuration(tokens[index + 1], out grace, out error))
            {
                return false;
            }

            index += 2;
        }

        if (index < tokens.Length)
        {
            error = $"unexpected '{tokens[index]}' at the end";
            return false;
        }

        var minimum = size + grace;
        var retention = minimum;
        if (!string.IsNullOrWhiteSpace(expires))
        {
            if (!TryParseDuration(expires.Trim(), out retention, out error))
            {
                error = "Expires " + error;
                return false;
            }

            if (retention < minimum)
            {
                error = $"Expires '{expires.Trim()}' is shorter than the {what} plus grace ({minimum} ms): windows would be removed before they close; " +
                    "make Expires at least that long, or leave it out to keep windows exactly until they close";
                return false;
            }
        }

        error = null;
        spec = new WindowSpec(kind, size, step, grace, retention, string.Join(' ', tokens));
        return true;
    }

    /// <summary>Parses a duration such as <c>500ms</c>, <c>30s</c>, <c>1m</c>, <c>2h</c>, <c>1d</c> into milliseconds.</summary>
    public static bool TryParseDuration(string text, out long milliseconds, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        milliseconds = 0;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"'{text}' is not a duration; write a number and a unit, e.g. 500ms, 30s, 1m, 2h, 1d";
            return false;
        }

        long? unit = text.AsSpan(digits) switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => null,
        };
        if (unit is null || amount > 100_000_000_000)
        {
            error = unit is null ? $"'{text}' has no known unit; use ms, s, m, h or d" : $"'{text}' is too long a duration";
            return false;
        }

        milliseconds = amount * unit.Value;
        error = null;
        return true;
    }

    /// <summary>When a window stops taking writes and its close callback fires (see the remarks on the class).</summary>
    public long CloseAt(long start, long end) => Kind switch
    {
        WindowKind.Tumbling or WindowKind.Hopping => end + GraceMs,
        WindowKind.Sliding => end + 1 + GraceMs,
        _ => end + SizeMs + 1 + GraceMs,
    };

    /// <summary>
    /// When a window is removed from store and changelog. A sliding table also keeps one entry per event time
    /// (<paramref name="start"/> = <paramref name="end"/> = the event's time), from which it builds new windows; it expires
    /// at <c>time + 1 + retention</c>, after every window that contains it closed.
    /// </summary>
    public long ExpireAt(long start, long end) => Kind switch
    {
        WindowKind.Tumbling or WindowKind.Hopping => start + RetentionMs,
        WindowKind.Sliding when start != end => start + RetentionMs,
        _ => end + 1 + RetentionMs,
    };

    /// <summary>The start of the latest tumbling or hopping window that contains <paramref name="timeMs"/>.</summary>
    internal long LastStart(long timeMs) => timeMs - Mod(timeMs, StepMs);

    private static long Mod(long value, long divisor)
    {
        var remainder = value % divisor;
        return remainder < 0 ? remainder + divisor : remainder;
    }
}
