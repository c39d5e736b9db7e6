"""The page model: what a consultation page is made of (sections, comments, signatures, prompts,
boxes) and the site profile that says how one wiki writes them."""
