"""The peer of `imgprompt expand --emit prompt`: Dynamic Prompts (pinned in requirements.txt),
its combinatorial generator over the same axes.

    python dynamic_prompts.py AXES VALUES OUT.jsonl

The template has AXES variables of VALUES values each (`{word 0-0|word 0-1|…}`), the same words
as the brief imgprompt expands; every prompt is written as one JSON line.

What it does not do, that imgprompt does: check the values against the brief's schema, apply a
preset and write each variant's prompt for a model family, give each variant its id and index,
price the variants, stream in constant memory (`generate` returns a list).
"""

import json
import sys

from dynamicprompts.generators import CombinatorialPromptGenerator


def main(axes, values, target):
    axes, values = int(axes), int(values)
    parts = []
    for a in range(axes):
        choices = "|".join(f"word {a}-{v}" for v in range(values))
        parts.append(f'the text "{{{choices}}}"')
    template = "An image of a grid of words. Text: " + ", ".join(parts) + "."
    generator = CombinatorialPromptGenerator()
    total = values**axes
    with open(target, "w") as out:
        for i, prompt in enumerate(generator.generate(template, max_prompts=total)):
            out.write(json.dumps({"index": i, "prompt": prompt}) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
