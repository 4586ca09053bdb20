"""The Discord surface: gateway events and interactions in, advisor calls, embeds out."""
