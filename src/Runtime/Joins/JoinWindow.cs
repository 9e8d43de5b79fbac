using System;
using System.Collections.Generic;
using Faustish.Tables.Windows;

namespace Faustish.Joins;

/// <summary>
/// The window of a stream–stream join (Kafka Streams' <c>JoinWindows</c>): a left record at time t joins right records
/// from t − <see cref="BeforeMs"/> to t + <see cref="AfterMs"/> (both ends included); records out of order are joined
/// for <see cref="GraceMs"/> more.
/// </summary>
public sealed record JoinWindow(long BeforeMs, long AfterMs, long GraceMs)
{
    /// <summary>How long a record is kept for partners that come after it: both sides of the window and the grace.</summary>
    public long RetentionMs => BeforeMs + AfterMs + GraceMs;

    /// <summary>
    /// Parses <c>"5m"</c>, <c>"before 1m after 5m"</c>, either followed by <c>grace &lt;duration&gt;</c>. Throws
    /// <see cref="FormatException"/> saying what to write instead.
    /// </summary>
    public static JoinWindow Parse(string text, string where) =>
        TryParse(text, out var window, out var error) ? window! : throw new FormatException($"{where}: Window \"{text}\" {error}.");

    public static bool TryParse(string? text, out JoinWindow? window, out string? error)
    {
        window = null;
        var tokens = new List<string>((text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        long before = -1, after = -1, grace = 0;
        var i = 0;
        if (tokens.Count > 0 && tokens[0] is not ("before" or "after" or "grace"))
        {
            if (!WindowSpec.TryParseDuration(tokens[0], out before, out error))
            {
                return false;
            }

            after = before;
            i = 1;
        }

        var symmetric = i == 1;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (; i < tokens.Count; i += 2)
        {
            var word = tokens[i];
            if (word is not ("before" or "after" or "grace") || !seen.Add(word) || (symmetric && word != "grace"))
            {
                error = $"has '{word}' where it expects {(symmetric ? "'grace'" : "'before', 'after' or 'grace', each once")}; write e.g. \"5m\", \"5m grace 1m\" or \"before 1m after 5m grace 30s\"";
                return false;
            }

            if (i + 1 >= tokens.Count)
            {
                error = $"ends with '{word}' and no duration after it";
                return false;
            }

            if (!WindowSpec.TryParseDuration(tokens[i + 1], out var ms, out error))
            {
                return false;
            }

            _ = word switch
            {
                "before" => before = ms,
                "after" => after = ms,
                _ => grace = ms,
            };
        }

        if (before < 0 || after < 0)
        {
            error = tokens.Count == 0
                ? "is empty; write e.g. \"5m\" or \"before 1m after 5m grace 30s\", or leave Window out for a table–table join"
                : "needs both 'before' and 'after' when it gives either; or write one duration for both, e.g. \"5m\"";
            return false;
        }

        error = null;
        window = new JoinWindow(before, after, grace);
        return true;
    }

    public override string ToString() => $"before {BeforeMs} ms after {AfterMs} ms grace {GraceMs} ms";
}
