"""mygrad: the autograd engine you build in this course, one part at a time.

Each file is one part. Fill in the TODOs (every function that raises NotImplementedError), then
run the checker from the course folder's parent:

    python -m demos.course check THIS_FOLDER'S_PARENT --part N
"""
