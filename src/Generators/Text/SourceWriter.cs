using System;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace Faustish.Generators.Text;

/// <summary>
/// Builds C# source text line by line with indentation, so emitters read like the code they produce.
/// <c>using (writer.Block("if (x)")) { ... }</c> writes the header, <c>{</c>, the indented body and <c>}</c>.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";

    private readonly StringBuilder _builder = new();
    private bool _atLineStart = true;

    /// <summary>Current indentation level (four spaces each).</summary>
    public int Indentation { get; private set; }

    /// <summary>Writes text; every line of it (split on <c>\n</c>) is indented, blank lines stay empty.</summary>
    public SourceWriter WriteLine(string text)
    {
        var start = 0;
        while (true)
        {
            var newline = text.IndexOf('\n', start);
            var end = newline < 0 ? text.Length : newline;
            AppendLineContent(text, start, end);
            _builder.Append('\n');
            _atLineStart = true;
            if (newline < 0)
            {
                return this;
            }

            start = newline + 1;
        }
    }

    /// <summary>Writes an empty line.</summary>
    public SourceWriter WriteLine()
    {
        _builder.Append('\n');
        _atLineStart = true;
        return this;
    }

    /// <summary>Writes text without ending the line (indenting it if the line is new).</summary>
    public SourceWriter Write(string text)
    {
        AppendLineContent(text, 0, text.Length);
        return this;
    }

    public SourceWriter Indent()
    {
        Indentation++;
        return this;
    }

    public SourceWriter Unindent()
    {
        if (Indentation == 0)
        {
            throw new InvalidOperationException("Unindent without a matching Indent.");
        }

        Indentation--;
        return this;
    }

    /// <summary>Writes <paramref name="header"/> (if any) and <c>{</c>; disposing the result writes the closing brace.</summary>
    public BlockScope Block(string? header = null, string closing = "}")
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        Indent();
        return new BlockScope(this, closing);
    }

    public override string ToString() => _builder.ToString();

    public SourceText ToSourceText() => SourceText.From(_builder.ToString(), Encoding.UTF8);

    private void AppendLineContent(string text, int start, int end)
    {
        if (end <= start)
        {
            return;
        }

        if (_atLineStart)
        {
            for (var i = 0; i < Indentation; i++)
            {
                _builder.Append(IndentUnit);
            }

            _atLineStart = false;
        }

        _builder.Append(text, start, end - start);
    }

    /// <summary>Closes a <see cref="Block"/>.</summary>
    public readonly struct BlockScope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _closing;

        internal BlockScope(SourceWriter writer, string closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer.Unindent();
            _writer.WriteLine(_closing);
        }
    }
}
