"""mygrad: the autograd engine you build in this course, one part at a time.

Each file is one part. Fill in the TODOs (every function that raises NotImplementedError), then
run the checker from the glassgrad repository's folder, giving the course folder (the one
holding this mygrad/):

    python -m demos.course check PATH/TO/COURSE_FOLDER --part N
"""
