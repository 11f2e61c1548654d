"""Analysis and plots of a finished conversion or the live source."""
